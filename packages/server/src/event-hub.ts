/**
 * Live delivery of stored run events. Writers append to the store first (the event is durable
 * when it is published); readers replay from the store after their cursor, then follow live
 * events, skipping any they already replayed, so a resume never loses or repeats one.
 */
import type { Store, StoredEvent } from './store/types.js';

type Listener = (event: StoredEvent) => void;

export class EventHub {
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly ended = new Set<string>();
  private readonly chains = new Map<string, Promise<unknown>>();

  constructor(private readonly store: Store) {}

  /** Appends in call order per run (so seq order = call order) and publishes once durable. */
  append(runId: string, type: string, data: unknown): Promise<StoredEvent> {
    const previous = this.chains.get(runId) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(async () => {
        const event = await this.store.appendEvent(runId, type, data);
        for (const l of this.listeners.get(runId) ?? []) l(event);
        return event;
      });
    this.chains.set(runId, next);
    return next;
  }

  /** Marks a run's stream as finished: followers end after its last event. */
  async end(runId: string): Promise<void> {
    await this.chains.get(runId)?.catch(() => undefined);
    this.chains.delete(runId);
    this.ended.add(runId);
    for (const l of this.listeners.get(runId) ?? [])
      l({ runId, seq: -1, type: '', data: null, time: '' });
  }

  /** Events after `cursor`, then live ones until the run ends (if `live`) or `signal` aborts. */
  async *follow(
    runId: string,
    cursor: number,
    live: boolean,
    signal: AbortSignal,
  ): AsyncGenerator<StoredEvent> {
    const queue: StoredEvent[] = [];
    let wake: (() => void) | undefined;
    const listener: Listener = (e) => {
      queue.push(e);
      wake?.();
    };
    let set = this.listeners.get(runId);
    if (!set) this.listeners.set(runId, (set = new Set()));
    set.add(listener);
    const onAbort = () => wake?.();
    signal.addEventListener('abort', onAbort);
    try {
      let last = cursor;
      for (;;) {
        const page = await this.store.events(runId, last, 500);
        for (const e of page) {
          yield e;
          last = e.seq;
        }
        if (page.length < 500) break;
      }
      if (!live || this.ended.has(runId)) return;
      while (!signal.aborted) {
        const e = queue.shift();
        if (!e) {
          await new Promise<void>((r) => (wake = r));
          wake = undefined;
          continue;
        }
        if (e.seq === -1) return;
        if (e.seq <= last) continue;
        if (e.seq > last + 1) {
          // missed while replaying: read the gap from the store
          for (const g of await this.store.events(runId, last, e.seq - last - 1)) {
            yield g;
            last = g.seq;
          }
        }
        yield e;
        last = e.seq;
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(runId);
    }
  }

  isLive(runId: string): boolean {
    return this.chains.has(runId) && !this.ended.has(runId);
  }

  /** Registers a run as live (before its first event). */
  open(runId: string): void {
    this.ended.delete(runId);
    if (!this.chains.has(runId)) this.chains.set(runId, Promise.resolve());
  }
}
