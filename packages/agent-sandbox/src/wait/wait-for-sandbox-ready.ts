import type { KindObject } from '../client/kind-types.js';
import { readiness } from '../conditions.js';
import { ObjectDeletedError, SandboxFailedError, WaitTimeoutError } from '../errors/wait-errors.js';
import {
  isTerminating,
  lastSeenOf,
  withCache,
  type InformerProvider,
  type WaitOptions,
} from './common.js';

/**
 * Resolves with the Sandbox once it is `Ready=True`. Fails at once with `SandboxFailedError` on a
 * terminal reason (`SandboxExpired`, `PodFailed`, `PodSucceeded`), with `ObjectDeletedError` when
 * it is deleted, and with `WaitTimeoutError` after `timeoutMs`.
 */
export async function waitForSandboxReady(
  client: InformerProvider,
  name: string,
  options: WaitOptions = {},
): Promise<KindObject<'Sandbox'>> {
  const namespace = options.namespace ?? client.namespace;
  return withCache(client, 'Sandbox', namespace, options.cache, async (cache) => {
    const found = await cache.waitFor(
      name,
      (object, change) => {
        if (change === 'DELETED' || isTerminating(object)) {
          throw new ObjectDeletedError('Sandbox', namespace, name, 'the Sandbox to become Ready');
        }
        if (object === undefined) return false;
        const state = readiness(object);
        if (state === 'terminal') {
          const seen = lastSeenOf('Sandbox', namespace, name, object)!;
          throw new SandboxFailedError({ ...seen, reason: seen.reason ?? 'Unknown' });
        }
        return state === 'ready';
      },
      {
        ...(options.signal !== undefined ? { signal: options.signal } : {}),
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
        onTimeout: (last) => {
          const lastSeen = lastSeenOf('Sandbox', namespace, name, last);
          return new WaitTimeoutError({
            waitingFor: `Sandbox ${namespace}/${name} to become Ready`,
            timeoutMs: options.timeoutMs ?? 0,
            target: `Sandbox ${namespace}/${name}`,
            ...(lastSeen !== undefined ? { lastSeen } : {}),
          });
        },
      },
    );
    return found as KindObject<'Sandbox'>;
  });
}
