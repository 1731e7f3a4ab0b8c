import type { KubeObject, ObjectList } from '../client/types.js';

/** A change to one object, as `watchResource` reports it. */
export interface ObjectEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: T;
  /**
   * True when the event was derived from a relist rather than received from the server: the
   * watch lost its place (410 Gone) and the list showed this change.
   */
  synthetic: boolean;
}

/**
 * Emitted after every (re)list, once the events that bring the consumer up to date with the
 * list have been emitted. The first one means "initial state delivered".
 */
export interface SyncedEvent {
  type: 'SYNCED';
  resourceVersion: string;
  /** False for the first list, true for a relist after 410 Gone. */
  relist: boolean;
}

export type WatchEvent<T> = ObjectEvent<T> | SyncedEvent;

export interface SourceListOptions {
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  limit?: number | undefined;
  continue?: string | undefined;
  signal?: AbortSignal | undefined;
}

export interface SourceWatchOptions {
  resourceVersion?: string | undefined;
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  allowWatchBookmarks: boolean;
  timeoutSeconds?: number | undefined;
}

/**
 * The two wire operations list-watch needs, bound to one resource and namespace. The client
 * implements it over client-node; tests implement it in memory.
 */
export interface ResourceWatchSource<T extends KubeObject = KubeObject> {
  list(options: SourceListOptions): Promise<ObjectList<T>>;
  /**
   * Opens one watch connection. `onEvent` gets each raw event (`ADDED`, `MODIFIED`, `DELETED`,
   * `BOOKMARK`, `ERROR`); `onDone` is called exactly once when the stream ends: `null` for a
   * clean close, an error (with `statusCode` or typed) otherwise. Returns a function that closes
   * the connection (after which `onDone` may or may not be called).
   */
  watch(
    options: SourceWatchOptions,
    onEvent: (type: string, object: unknown) => void,
    onDone: (error: unknown) => void,
  ): Promise<() => void>;
}
