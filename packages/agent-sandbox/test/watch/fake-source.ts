import type {
  KubeObject,
  ObjectList,
  ResourceWatchSource,
  SourceListOptions,
  SourceWatchOptions,
  WatchSourceProvider,
} from '../../src/index.js';

export interface FakeConnection {
  options: SourceWatchOptions;
  emit(type: string, object: unknown): void;
  close(error?: unknown): void;
  closedByClient: boolean;
}

/**
 * An in-memory list-watch source driven by the test: `objects` is what a list returns,
 * `connections` records each watch, and `listError`/`watchError` make the next call fail.
 */
export class FakeSource implements ResourceWatchSource, WatchSourceProvider {
  objects = new Map<string, KubeObject>();
  resourceVersion = 100;
  readonly connections: FakeConnection[] = [];
  readonly lists: SourceListOptions[] = [];
  listErrors: Error[] = [];
  watchErrors: unknown[] = [];
  private waiters: (() => void)[] = [];

  watchSource(): ResourceWatchSource {
    return this;
  }

  /** Adds or replaces an object in the list state, with a fresh resourceVersion. */
  put(name: string, extra: Partial<KubeObject> = {}, uid = `uid-${name}`): KubeObject {
    const object: KubeObject = {
      apiVersion: 'agents.x-k8s.io/v1beta1',
      kind: 'Sandbox',
      ...extra,
      metadata: {
        name,
        namespace: 'default',
        uid,
        resourceVersion: String(++this.resourceVersion),
        ...extra.metadata,
      },
    };
    this.objects.set(name, object);
    return object;
  }

  list(options: SourceListOptions): Promise<ObjectList<KubeObject>> {
    this.lists.push(options);
    const error = this.listErrors.shift();
    if (error !== undefined) return Promise.reject(error);
    return Promise.resolve({
      items: [...this.objects.values()],
      resourceVersion: String(this.resourceVersion),
    });
  }

  watch(
    options: SourceWatchOptions,
    onEvent: (type: string, object: unknown) => void,
    onDone: (error: unknown) => void,
  ): Promise<() => void> {
    let done = false;
    const connection: FakeConnection = {
      options,
      closedByClient: false,
      emit: (type, object) => {
        if (!done) onEvent(type, object);
      },
      close: (error = null) => {
        if (done) return;
        done = true;
        onDone(error);
      },
    };
    this.connections.push(connection);
    for (const wake of this.waiters.splice(0)) wake();
    const error = this.watchErrors.shift();
    if (error !== undefined) {
      // client-node reports a non-200 answer through `done`, after resolving.
      queueMicrotask(() => connection.close(error));
    }
    return Promise.resolve(() => {
      connection.closedByClient = true;
      done = true;
    });
  }

  /** Resolves when at least `count` watch connections have been opened. */
  async waitForConnections(count: number): Promise<FakeConnection> {
    for (let i = 0; i < 1000 && this.connections.length < count; i++) {
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setImmediate(resolve);
      });
    }
    const connection = this.connections[count - 1];
    if (connection === undefined)
      throw new Error(`expected ${count} watch connections, saw ${this.connections.length}`);
    return connection;
  }
}

export function httpError(statusCode: number): Error & { statusCode: number } {
  return Object.assign(new Error(`HTTP ${statusCode}`), { statusCode });
}

export function networkError(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
    name: 'FetchError',
    type: 'system',
    code: 'ECONNREFUSED',
  });
}

/** Pulls events from an iterator into an array as they come. */
export function collect<T>(iterable: AsyncIterable<T>): { events: T[]; done: Promise<unknown> } {
  const events: T[] = [];
  const done = (async () => {
    for await (const event of iterable) events.push(event);
  })();
  done.catch(() => undefined);
  return { events, done };
}

export async function flush(times = 5): Promise<void> {
  for (let i = 0; i < times; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
