import { InvalidArgumentError } from '@corral/sdk';
import type { ResourceLimits, SandboxCreateOptions } from '@corral/sdk';
import { parseDuration } from '../parse/duration.js';
import { parseEnvPairs, parseLabelPairs } from '../parse/env.js';
import { parseIsolation } from '../parse/isolation.js';
import { parseNetwork } from '../parse/network.js';
import { parsePositiveInteger, parsePositiveNumber } from '../parse/number.js';
import { parseMemory, parseSize } from '../parse/size.js';
import type { KubePlacementFlags } from '../kube/provider.js';
import type { CreateFlags } from './create-flags.js';

/** Parses every flag before anything is created, so bad input never leaves a sandbox behind. */
export function toCreateOptions(
  flags: CreateFlags,
): Omit<SandboxCreateOptions, 'provider' | 'signal'> {
  checkKubeFlags(flags);
  const limits: ResourceLimits = {};
  if (flags.memory !== undefined) limits.memoryBytes = parseMemory(flags.memory, '--memory');
  if (flags.cpus !== undefined) limits.cpus = parsePositiveNumber(flags.cpus, '--cpus', '0.5');
  if (flags.disk !== undefined) limits.diskBytes = parseSize(flags.disk, '--disk');
  if (flags.pids !== undefined)
    limits.maxProcesses = parsePositiveInteger(flags.pids, '--pids', '128');
  return {
    ...(flags.network === undefined ? {} : { network: parseNetwork(flags.network) }),
    ...(flags.isolation === undefined ? {} : { isolation: parseIsolation(flags.isolation) }),
    ...(Object.keys(limits).length > 0 ? { limits } : {}),
    ...(flags.env.length > 0 ? { env: parseEnvPairs(flags.env) } : {}),
    // corral.dev/ labels are the Kubernetes provider's own (it refuses them from callers).
    labels: {
      ...(flags.provider === 'kubernetes' ? {} : { 'corral.dev/created-by': 'cli' }),
      ...parseLabelPairs(flags.label),
    },
    ...(flags.maxLifetime === undefined
      ? {}
      : { maxLifetimeMs: parseDuration(flags.maxLifetime, '--max-lifetime') }),
  };
}

/** Kubernetes flags name a cluster; with any other provider they would be silently ignored. */
export function checkKubeFlags(flags: { provider: string } & KubePlacementFlags): void {
  if (flags.provider === 'kubernetes') return;
  const given = (
    [
      ['--warm-pool', flags.warmPool],
      ['--template', flags.template],
      ['--kubeconfig', flags.kubeconfig],
      ['--context', flags.context],
      ['--namespace', flags.namespace],
    ] as const
  ).filter(([, value]) => value !== undefined);
  if (given.length > 0) {
    throw new InvalidArgumentError(
      `${given.map(([name]) => name).join(', ')} only apply to Kubernetes; add --provider kubernetes.`,
    );
  }
}
