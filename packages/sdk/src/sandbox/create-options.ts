import { compact } from '../compact.js';
import { InvalidArgumentError } from '../errors.js';
import { checkEnv, checkLimits } from '../validate/sandbox-input.js';
import type { ProviderCreateOptions } from '../provider.js';
import { toNetworkMode } from './network.js';
import type { SandboxCreateOptions } from './types.js';

/**
 * The provider-level options for `Sandbox.create`-style options (validated; `network` as a
 * `NetworkMode`), for callers that drive a `SandboxProvider` directly, such as the orchestrator.
 */
export function providerCreateOptions(
  options: Omit<SandboxCreateOptions, 'provider' | 'signal'>,
): Omit<ProviderCreateOptions, 'signal'> {
  // Left out when the caller chose none: providers apply their own default ('none' for the
  // built-in ones), and the Kubernetes provider warns only about a mode someone asked for.
  const network = options.network === undefined ? undefined : toNetworkMode(options.network);
  checkDuration('timeoutMs', options.timeoutMs);
  checkDuration('maxLifetimeMs', options.maxLifetimeMs);
  checkLimits(options.limits);
  checkEnv(options.env);
  return {
    ...compact({
      network,
      env: options.env && { ...options.env },
      labels: options.labels && { ...options.labels },
      limits: options.limits && { ...options.limits },
      maxLifetimeMs: options.maxLifetimeMs,
      timeoutMs: options.timeoutMs,
    }),
    // Providers that do not place sandboxes on Kubernetes ignore these keys.
    ...compact(options.kubernetes ?? {}),
    ...compact({ owner: options.owner, taskId: options.taskId }),
  };
}

function checkDuration(name: string, value: number | undefined): void {
  if (value === undefined) return;
  if (!Number.isFinite(value) || value <= 0) {
    throw new InvalidArgumentError(
      `${name} must be a positive number of milliseconds, got ${String(value)}.`,
    );
  }
}
