import type { KubeObject } from '../client/types.js';
import type { KindObject } from '../client/kind-types.js';
import { readiness } from '../conditions.js';
import { ClaimFailedError, ObjectDeletedError, WaitTimeoutError } from '../errors/wait-errors.js';
import {
  isTerminating,
  lastSeenOf,
  withCache,
  type InformerProvider,
  type WaitOptions,
} from './common.js';

export interface ClaimReadyOptions extends WaitOptions {
  /**
   * Also wait for the bound Sandbox in the Sandbox cache, to return it and its `serviceFQDN`.
   * Default true. With false only the claim is watched (one watch connection in all).
   */
  includeSandbox?: boolean;
}

export interface ClaimReady {
  claim: KindObject<'SandboxClaim'>;
  /** The bound Sandbox (differs from the claim name after warm adoption). */
  sandboxName: string;
  podIPs: string[];
  /** `<svc>.<ns>.svc.<domain>` when the Sandbox has a Service. */
  serviceFQDN?: string;
  sandbox?: KindObject<'Sandbox'>;
}

const WAITING_FOR = 'the claim to become Ready';

/**
 * Resolves when the claim is `Ready=True` and names its Sandbox. Fails at once with
 * `ClaimFailedError` on a terminal reason, with `ObjectDeletedError` when the claim is deleted,
 * and with `WaitTimeoutError` (naming the last reason seen) after `timeoutMs`.
 * `WarmPoolNotFound` and `TemplateNotFound` keep waiting: creating the pool or template fixes them.
 */
export async function waitForClaimReady(
  client: InformerProvider,
  name: string,
  options: ClaimReadyOptions = {},
): Promise<ClaimReady> {
  const namespace = options.namespace ?? client.namespace;
  const startedAt = client.clock.now();
  const claim = await withCache(client, 'SandboxClaim', namespace, options.cache, async (cache) => {
    const found = await cache.waitFor(
      name,
      (object, change) => {
        if (change === 'DELETED' || isTerminating(object)) {
          throw new ObjectDeletedError('SandboxClaim', namespace, name, WAITING_FOR);
        }
        if (object === undefined) return false;
        const state = readiness(object);
        if (state === 'terminal') {
          const seen = lastSeenOf('SandboxClaim', namespace, name, object)!;
          throw new ClaimFailedError({ ...seen, reason: seen.reason ?? 'Unknown' });
        }
        return state === 'ready' && boundSandboxName(object) !== undefined;
      },
      {
        ...(options.signal !== undefined ? { signal: options.signal } : {}),
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
        onTimeout: (last) => timeoutError(namespace, name, options.timeoutMs ?? 0, last),
      },
    );
    return found as KindObject<'SandboxClaim'>;
  });

  const sandboxName = boundSandboxName(claim)!;
  const claimIPs = (claim.status?.sandbox as { podIPs?: string[] } | undefined)?.podIPs;
  const result: ClaimReady = { claim, sandboxName, podIPs: claimIPs ?? [] };
  if (options.includeSandbox === false) return result;

  const remaining =
    options.timeoutMs === undefined
      ? undefined
      : Math.max(0, options.timeoutMs - (client.clock.now() - startedAt));
  const sandbox = await withCache(client, 'Sandbox', namespace, undefined, (cache) =>
    cache.waitFor(
      sandboxName,
      (object, change) => {
        if (change === 'DELETED') {
          throw new ObjectDeletedError('Sandbox', namespace, sandboxName, 'the bound Sandbox');
        }
        return object !== undefined;
      },
      {
        ...(options.signal !== undefined ? { signal: options.signal } : {}),
        ...(remaining !== undefined ? { timeoutMs: remaining } : {}),
        onTimeout: () =>
          new WaitTimeoutError({
            waitingFor: `Sandbox ${namespace}/${sandboxName} (bound to claim ${name}) to appear`,
            timeoutMs: options.timeoutMs ?? 0,
            target: `Sandbox ${namespace}/${sandboxName}`,
          }),
      },
    ),
  );
  const status = (sandbox as KindObject<'Sandbox'>).status as
    { serviceFQDN?: string; podIPs?: string[] } | undefined;
  result.sandbox = sandbox as KindObject<'Sandbox'>;
  if (status?.serviceFQDN !== undefined && status.serviceFQDN !== '') {
    result.serviceFQDN = status.serviceFQDN;
  }
  if (result.podIPs.length === 0 && status?.podIPs !== undefined) result.podIPs = status.podIPs;
  return result;
}

/** `status.sandbox.name`, or v0.1.0's `status.sandbox.Name`. */
export function boundSandboxName(claim: KubeObject): string | undefined {
  const sandbox = (claim.status as { sandbox?: { name?: unknown; Name?: unknown } } | undefined)
    ?.sandbox;
  const name = sandbox?.name ?? sandbox?.Name;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

function timeoutError(
  namespace: string,
  name: string,
  timeoutMs: number,
  last: KubeObject | undefined,
): WaitTimeoutError {
  const lastSeen = lastSeenOf('SandboxClaim', namespace, name, last);
  return new WaitTimeoutError({
    waitingFor: `SandboxClaim ${namespace}/${name} to become Ready`,
    timeoutMs,
    target: `SandboxClaim ${namespace}/${name}`,
    ...(lastSeen !== undefined ? { lastSeen } : {}),
  });
}
