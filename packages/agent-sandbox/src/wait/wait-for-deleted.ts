import type { SandboxKind } from '../resources.js';
import { WaitTimeoutError } from '../errors/wait-errors.js';
import { withCache, type InformerProvider, type WaitOptions } from './common.js';

/**
 * Resolves once `kind`/`name` no longer exists (at once when the synced cache does not hold
 * it). Pair it with `delete()` when deletion is `pending` (finalizers, foreground deletion).
 */
export async function waitForDeleted(
  client: InformerProvider,
  kind: SandboxKind,
  name: string,
  options: WaitOptions = {},
): Promise<void> {
  const namespace = options.namespace ?? client.namespace;
  await withCache(client, kind, namespace, options.cache, (cache) =>
    cache.waitFor(name, (object, change) => change === 'DELETED' || object === undefined, {
      ...(options.signal !== undefined ? { signal: options.signal } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      onTimeout: (last) =>
        new WaitTimeoutError({
          waitingFor: `${kind} ${namespace}/${name} to be deleted`,
          timeoutMs: options.timeoutMs ?? 0,
          target: `${kind} ${namespace}/${name}`,
          ...(last !== undefined
            ? {
                lastSeen: {
                  kind,
                  namespace,
                  name,
                  reason: last.metadata?.deletionTimestamp !== undefined ? 'Terminating' : 'Exists',
                  message: last.metadata?.finalizers?.length
                    ? `finalizers: ${last.metadata.finalizers.join(', ')}`
                    : undefined,
                },
              }
            : {}),
        }),
    }),
  );
}
