import type { KubeObject } from '../client/types.js';
import type { SandboxKind } from '../resources.js';
import type { BackoffPolicy } from '../watch/backoff.js';
import { InformerNotRunningError, InformerStoppedError } from '../errors/base.js';
import { WaitTimeoutError } from '../errors/wait-errors.js';
import { realClock, type Clock } from '../watch/clock.js';
import { watchResource, type WatchSourceProvider } from '../watch/watch-resource.js';
import type { WatchEvent } from '../watch/types.js';
import {
  Indexes,
  LABEL_INDEX,
  OWNER_INDEX,
  labelIndex,
  ownerIndex,
  type IndexFunction,
} from './indexes.js';

export interface InformerOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  clock?: Clock;
  backoff?: BackoffPolicy;
  timeoutSeconds?: number;
  watchdogMs?: number;
}

/** How an object reached a wait check: its state when the wait began, or a watch event. */
export type ChangeType = 'CURRENT' | 'ADDED' | 'MODIFIED' | 'DELETED';

/**
 * Decides a wait: return true to resolve, false to keep waiting, or throw to fail. `object` is
 * undefined for `CURRENT` when the (synced) cache does not hold the object; for `DELETED` it
 * is the object as last seen.
 */
export type WaitCheck<T> = (object: T | undefined, change: ChangeType) => boolean;

export interface WaitForOptions<T> {
  signal?: AbortSignal;
  /** Unset: no timeout. */
  timeoutMs?: number;
  /** Builds the error a timeout rejects with, from the last state seen. */
  onTimeout?: (last: T | undefined) => Error;
}

type Handlers<T> = {
  add: (object: T) => void;
  update: (object: T, old: T) => void;
  delete: (object: T) => void;
  synced: (relist: boolean) => void;
  error: (error: unknown) => void;
};

interface Waiter {
  check: WaitCheck<KubeObject>;
  last: KubeObject | undefined;
  settle: (error: unknown, value?: KubeObject) => void;
}

/**
 * A list-watch cache of one kind in one namespace: one list and one watch connection however
 * many readers and waiters use it. Obtain it from `client.informer(kind, { namespace })`, which
 * shares one instance per key and stops it when the last user calls `release()`.
 */
export class SharedInformer<T extends KubeObject = KubeObject> {
  readonly kind: SandboxKind;
  readonly namespace: string | undefined;
  // Internals hold plain KubeObjects; `T` only shapes the public API, so an informer of a
  // specific kind is usable where a `SharedInformer<KubeObject>` is expected.
  private readonly store = new Map<string, KubeObject>();
  private readonly indexes = new Indexes<KubeObject>();
  private readonly handlers: { [K in keyof Handlers<KubeObject>]: Set<Handlers<KubeObject>[K]> } = {
    add: new Set(),
    update: new Set(),
    delete: new Set(),
    synced: new Set(),
    error: new Set(),
  };
  private readonly waiters = new Map<string, Set<Waiter>>();
  private readonly clock: Clock;
  private controller: AbortController | undefined;
  private isSynced = false;
  private syncedPromise: Promise<void>;
  private resolveSynced!: () => void;
  private rejectSynced!: (error: unknown) => void;
  private failure: unknown;
  private resourceVersion = '';

  constructor(
    private readonly provider: WatchSourceProvider,
    kind: SandboxKind,
    private readonly options: InformerOptions = {},
    private readonly onRelease?: () => void,
  ) {
    this.kind = kind;
    this.namespace = options.namespace;
    this.clock = options.clock ?? realClock;
    this.syncedPromise = this.newSyncedPromise();
    this.indexes.add(LABEL_INDEX, labelIndex, []);
    this.indexes.add(OWNER_INDEX, ownerIndex, []);
  }

  /** Starts the list and watch (idempotent). The factory starts shared informers for you. */
  start(): void {
    if (this.controller !== undefined) return;
    this.controller = new AbortController();
    this.failure = undefined;
    void this.run(this.controller.signal);
  }

  /** Closes the watch. Pending waiters are rejected; the cache keeps its last contents. */
  stop(): void {
    const controller = this.controller;
    if (controller === undefined) return;
    this.controller = undefined;
    controller.abort();
    const error = new InformerStoppedError(
      `The ${this.kind} informer was stopped while waits were pending; start a new one with client.informer().`,
    );
    this.failAll(error);
    if (!this.isSynced) this.rejectSynced(error);
  }

  /** Gives back a reference obtained from `client.informer()`. */
  release(): void {
    if (this.onRelease !== undefined) this.onRelease();
    else this.stop();
  }

  [Symbol.dispose](): void {
    this.release();
  }

  /**
   * Resolves once the first list has been loaded; rejects if the informer fails first, or with
   * `signal.reason` when the signal aborts (the informer keeps running).
   */
  synced(options: { signal?: AbortSignal } = {}): Promise<void> {
    const signal = options.signal;
    if (signal === undefined || this.isSynced) return this.syncedPromise;
    if (signal.aborted) return Promise.reject(asError(signal.reason));
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => reject(asError(signal.reason));
      signal.addEventListener('abort', onAbort, { once: true });
      this.syncedPromise.then(
        () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(asError(error));
        },
      );
    });
  }

  get hasSynced(): boolean {
    return this.isSynced;
  }

  /** The resourceVersion of the last event or list applied. */
  get lastResourceVersion(): string {
    return this.resourceVersion;
  }

  /** The error that stopped the informer, if one did. */
  get error(): unknown {
    return this.failure;
  }

  get(name: string): T | undefined {
    return this.store.get(name) as T | undefined;
  }

  /** All cached objects, or those carrying every label in `labels`. */
  list(labels?: Record<string, string>): T[] {
    const entries = Object.entries(labels ?? {});
    if (entries.length === 0) return [...this.store.values()] as T[];
    let names: ReadonlySet<string> | undefined;
    for (const [key, value] of entries) {
      const found = this.indexes.lookup(LABEL_INDEX, `${key}=${value}`);
      names = names === undefined ? found : new Set([...names].filter((n) => found.has(n)));
    }
    return this.resolve(names ?? new Set());
  }

  byLabel(key: string, value: string): T[] {
    return this.resolve(this.indexes.lookup(LABEL_INDEX, `${key}=${value}`));
  }

  /** Objects with an ownerReference to `uid`. */
  byOwner(uid: string): T[] {
    return this.resolve(this.indexes.lookup(OWNER_INDEX, uid));
  }

  /** Adds a custom index, computed for the current contents and kept up to date. */
  addIndexer(indexName: string, fn: IndexFunction<T>): void {
    this.indexes.add(indexName, fn as IndexFunction<KubeObject>, this.store.entries());
  }

  byIndex(indexName: string, key: string): T[] {
    return this.resolve(this.indexes.lookup(indexName, key));
  }

  on<E extends keyof Handlers<T>>(event: E, handler: Handlers<T>[E]): () => void {
    const set = this.handlers[event] as unknown as Set<Handlers<T>[E]>;
    set.add(handler);
    return () => {
      set.delete(handler);
    };
  }

  /**
   * Waits until `check` accepts the object named `name`, driven by watch events (each event
   * wakes only the waiters of its object, so thousands of waiters stay cheap).
   */
  waitFor(
    name: string,
    check: WaitCheck<T>,
    options: WaitForOptions<T> = {},
  ): Promise<T | undefined> {
    return new Promise<T | undefined>((resolve, reject) => {
      if (this.failure !== undefined) {
        reject(asError(this.failure));
        return;
      }
      if (this.controller === undefined) {
        reject(
          new InformerNotRunningError(
            `The ${this.kind} informer is not running; call start() or use client.informer().`,
          ),
        );
        return;
      }
      const signal = options.signal;
      if (signal?.aborted === true) {
        reject(asError(signal.reason));
        return;
      }
      const timerAbort = new AbortController();
      const onAbort = (): void => waiter.settle(signal?.reason);
      const waiter: Waiter = {
        check: check as WaitCheck<KubeObject>,
        last: this.store.get(name),
        settle: (error, value) => {
          const set = this.waiters.get(name);
          if (set?.delete(waiter) !== true) return;
          if (set.size === 0) this.waiters.delete(name);
          timerAbort.abort();
          signal?.removeEventListener('abort', onAbort);
          if (error === undefined) resolve(value as T | undefined);
          else reject(asError(error));
        },
      };
      let set = this.waiters.get(name);
      if (set === undefined) this.waiters.set(name, (set = new Set()));
      set.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (options.timeoutMs !== undefined) {
        this.clock.sleep(options.timeoutMs, timerAbort.signal).then(
          () =>
            waiter.settle(
              options.onTimeout?.(waiter.last as T | undefined) ??
                new WaitTimeoutError({
                  waitingFor: `${this.kind} ${name}`,
                  timeoutMs: options.timeoutMs ?? 0,
                  target: `${this.kind} ${name}`,
                }),
            ),
          () => undefined,
        );
      }
      const evaluateCurrent = (): void => this.evaluate(waiter, this.store.get(name), 'CURRENT');
      if (this.isSynced) evaluateCurrent();
      else this.syncedPromise.then(evaluateCurrent, () => undefined);
    });
  }

  private evaluate(waiter: Waiter, object: KubeObject | undefined, change: ChangeType): void {
    if (object !== undefined) waiter.last = object;
    try {
      if (waiter.check(object, change)) waiter.settle(undefined, object);
    } catch (e) {
      waiter.settle(e);
    }
  }

  private async run(signal: AbortSignal): Promise<void> {
    try {
      const events = watchResource<KubeObject>(this.provider, this.kind, {
        ...this.options,
        signal,
        clock: this.clock,
      });
      for await (const event of events) this.apply(event);
    } catch (e) {
      if (signal.aborted) return;
      this.failure = e;
      this.controller = undefined;
      this.failAll(e);
      if (!this.isSynced) this.rejectSynced(e);
      for (const handler of this.handlers.error) handler(e);
    }
  }

  private apply(event: WatchEvent<KubeObject>): void {
    if (event.type === 'SYNCED') {
      this.resourceVersion = event.resourceVersion;
      if (!this.isSynced) {
        this.isSynced = true;
        this.resolveSynced();
      }
      for (const handler of this.handlers.synced) handler(event.relist);
      return;
    }
    const object = event.object;
    const name = object.metadata?.name ?? '';
    const rv = object.metadata?.resourceVersion;
    if (rv !== undefined) this.resourceVersion = rv;
    const old = this.store.get(name);
    if (event.type === 'DELETED') {
      this.store.delete(name);
      this.indexes.remove(name);
      for (const handler of this.handlers.delete) handler(object);
    } else {
      this.store.set(name, object);
      this.indexes.upsert(name, object);
      if (old === undefined) for (const handler of this.handlers.add) handler(object);
      else for (const handler of this.handlers.update) handler(object, old);
    }
    const waiters = this.waiters.get(name);
    if (waiters !== undefined) {
      for (const waiter of [...waiters]) this.evaluate(waiter, object, event.type);
    }
  }

  private failAll(error: unknown): void {
    for (const set of [...this.waiters.values()]) {
      for (const waiter of [...set]) waiter.settle(error);
    }
  }

  private resolve(names: ReadonlySet<string>): T[] {
    const out: T[] = [];
    for (const name of names) {
      const object = this.store.get(name);
      if (object !== undefined) out.push(object as T);
    }
    return out;
  }

  private newSyncedPromise(): Promise<void> {
    const promise = new Promise<void>((resolve, reject) => {
      this.resolveSynced = resolve;
      this.rejectSynced = reject;
    });
    // A failure before anyone asked must not surface as an unhandled rejection.
    promise.catch(() => undefined);
    return promise;
  }
}

function asError(value: unknown): Error {
  // eslint-disable-next-line no-restricted-syntax -- a non-Error abort reason, passed on as given
  return value instanceof Error ? value : new Error(String(value));
}
