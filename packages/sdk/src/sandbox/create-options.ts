import { compact } from '../compact.js';
import { InvalidArgumentError } from '../errors.js';
import type { ProviderCreateOptions } from '../provider.js';
import { toNetworkMode } from './network.js';
import type { SandboxCreateOptions } from './types.js';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The provider-level options for `Sandbox.create`-style options (validated; `network` as a
 * `NetworkMode`), for callers that drive a `SandboxProvider` directly, such as the orchestrator.
 */
export function providerCreateOptions(
  options: Omit<SandboxCreateOptions, 'provider' | 'signal'>,
): Omit<ProviderCreateOptions, 'signal'> {
  const network = toNetworkMode(options.network ?? 'none');
  checkDuration('timeoutMs', options.timeoutMs);
  checkDuration('maxLifetimeMs', options.maxLifetimeMs);
  checkLimits(options);
  for (const name of Object.keys(options.env ?? {})) {
    if (!ENV_NAME.test(name)) {
      throw new InvalidArgumentError(
        `env name ${JSON.stringify(name)} is not valid. Use letters, digits and _, not starting with a digit.`,
      );
    }
  }
  return {
    network,
    ...compact({
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

function checkLimits({ limits }: SandboxCreateOptions): void {
  if (!limits) return;
  const positive: Array<[string, number | undefined]> = [
    ['limits.memoryBytes', limits.memoryBytes],
    ['limits.cpus', limits.cpus],
    ['limits.maxProcesses', limits.maxProcesses],
    ['limits.diskBytes', limits.diskBytes],
  ];
  for (const [name, value] of positive) {
    if (value !== undefined && (!Number.isFinite(value) || value <= 0)) {
      throw new InvalidArgumentError(`${name} must be a positive number, got ${String(value)}.`);
    }
  }
  if (limits.maxProcesses !== undefined && !Number.isInteger(limits.maxProcesses)) {
    throw new InvalidArgumentError(
      `limits.maxProcesses must be a whole number, got ${limits.maxProcesses}.`,
    );
  }
}
