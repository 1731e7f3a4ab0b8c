import type { SharedInformer } from '../cache/shared-informer.js';
import type { InformerOptions } from '../cache/shared-informer.js';
import type { KindObject } from '../client/kind-types.js';
import type { KubeObject } from '../client/types.js';
import { classifyReadyReason, findCondition, CONDITION_TYPES } from '../conditions.js';
import type { LastSeen } from '../errors/wait-errors.js';
import type { SandboxKind } from '../resources.js';
import type { Clock } from '../watch/clock.js';

/** What the waiters need from a client: shared informers. `AgentSandboxClient` is one. */
export interface InformerProvider {
  readonly namespace: string;
  readonly clock: Clock;
  informer<K extends SandboxKind>(
    kind: K,
    options?: Omit<InformerOptions, 'clock'>,
  ): SharedInformer<KindObject<K>>;
}

export interface WaitOptions {
  /** Defaults to the client's namespace. */
  namespace?: string;
  /** Unset: wait until `signal` aborts. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /**
   * Use this informer instead of the client's shared one for the waited-on kind (it must
   * watch the right kind and namespace, and be started).
   */
  cache?: SharedInformer<KubeObject>;
}

/** Runs `fn` with the cache for `kind`: the caller's, or a shared reference released afterwards. */
export async function withCache<R>(
  client: InformerProvider,
  kind: SandboxKind,
  namespace: string,
  given: SharedInformer<KubeObject> | undefined,
  fn: (cache: SharedInformer<KubeObject>) => Promise<R>,
): Promise<R> {
  if (given !== undefined) return fn(given);
  // Waiters read objects structurally, so the kind-specific informer is used as a KubeObject one.
  const cache = client.informer(kind, { namespace }) as unknown as SharedInformer<KubeObject>;
  try {
    return await fn(cache);
  } finally {
    cache.release();
  }
}

export function lastSeenOf(
  kind: string,
  namespace: string,
  name: string,
  object: KubeObject | undefined,
): LastSeen | undefined {
  if (object === undefined) return undefined;
  const ready = findCondition(object, CONDITION_TYPES.ready);
  const finished = findCondition(object, CONDITION_TYPES.finished);
  // A finished pod explains the outcome better than a Ready reason that says "still waiting".
  const cause =
    finished?.status === 'True' && classifyReadyReason(ready?.reason) !== 'terminal'
      ? finished
      : ready;
  return { kind, namespace, name, reason: cause?.reason, message: cause?.message };
}

export function isTerminating(object: KubeObject | undefined): boolean {
  return object?.metadata?.deletionTimestamp !== undefined;
}
