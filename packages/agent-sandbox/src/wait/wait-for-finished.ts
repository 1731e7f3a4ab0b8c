import type { KubeObject } from '../client/types.js';
import type { HasConditions } from '../conditions.js';
import {
  CONDITION_TYPES,
  FINISHED_REASONS,
  findCondition,
  isFinished,
  readiness,
  readyReason,
} from '../conditions.js';
import {
  ClaimFailedError,
  ObjectDeletedError,
  SandboxFailedError,
  WaitTimeoutError,
} from '../errors/wait-errors.js';
import { lastSeenOf, withCache, type InformerProvider, type WaitOptions } from './common.js';

export interface Finished<T> {
  object: T;
  /** `PodSucceeded` or `PodFailed`. */
  reason: 'PodSucceeded' | 'PodFailed';
  message: string | undefined;
}

/** The pod ended: `Ready=False` with reason `PodSucceeded`/`PodFailed` (before `Finished` is written). */
function podEnded(object: HasConditions): boolean {
  const ready = findCondition(object, CONDITION_TYPES.ready);
  return (
    ready?.status === 'False' &&
    (ready.reason === FINISHED_REASONS.podSucceeded || ready.reason === FINISHED_REASONS.podFailed)
  );
}

/**
 * The one definition of "the pod finished": resolves when the claim's or Sandbox's pod reached a
 * terminal phase (`Finished=True`, or `Ready=False` with reason `PodSucceeded`/`PodFailed`,
 * whichever the object shows first).
 * Fails with `ObjectDeletedError` if the object is deleted first, with `ClaimFailedError` /
 * `SandboxFailedError` when a terminal reason other than a finished pod (e.g. expiry) means it
 * can never finish, and with `WaitTimeoutError` after `timeoutMs`.
 */
export async function waitForFinished(
  client: InformerProvider,
  kind: 'Sandbox' | 'SandboxClaim',
  name: string,
  options: WaitOptions = {},
): Promise<Finished<KubeObject>> {
  const namespace = options.namespace ?? client.namespace;
  return withCache(client, kind, namespace, options.cache, async (cache) => {
    const found = (await cache.waitFor(
      name,
      (object, change) => {
        if (change === 'DELETED') {
          throw new ObjectDeletedError(kind, namespace, name, 'its pod to finish');
        }
        if (object === undefined) return false;
        if (isFinished(object) || podEnded(object)) return true;
        const reason = readyReason(object);
        if (
          readiness(object) === 'terminal' &&
          reason !== FINISHED_REASONS.podSucceeded &&
          reason !== FINISHED_REASONS.podFailed
        ) {
          const seen = lastSeenOf(kind, namespace, name, object)!;
          const init = { ...seen, reason: reason ?? 'Unknown' };
          throw kind === 'SandboxClaim' ? new ClaimFailedError(init) : new SandboxFailedError(init);
        }
        return false;
      },
      {
        ...(options.signal !== undefined ? { signal: options.signal } : {}),
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
        onTimeout: (last) => {
          const lastSeen = lastSeenOf(kind, namespace, name, last);
          return new WaitTimeoutError({
            waitingFor: `${kind} ${namespace}/${name} to finish`,
            timeoutMs: options.timeoutMs ?? 0,
            target: `${kind} ${namespace}/${name}`,
            ...(lastSeen !== undefined ? { lastSeen } : {}),
          });
        },
      },
    ))!;
    const finished = isFinished(found)
      ? findCondition(found, CONDITION_TYPES.finished)
      : findCondition(found, CONDITION_TYPES.ready);
    return {
      object: found,
      reason: finished?.reason === FINISHED_REASONS.podFailed ? 'PodFailed' : 'PodSucceeded',
      message: finished?.message,
    };
  });
}
