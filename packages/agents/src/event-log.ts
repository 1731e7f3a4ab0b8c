/**
 * The append-only log behind a run's event stream: events and raw lines in memory, readers as
 * async iterators that start at any cursor and wait for new events without polling.
 */
import { compact } from '@corral/sdk';
import type { AgentEvent, AgentEventBody } from './events.js';

export class EventLog {
  readonly events: AgentEvent[] = [];
  readonly raw: string[] = [];
  private closed = false;
  private wakers: (() => void)[] = [];
  private readonly listeners = new Set<(event: AgentEvent) => void>();

  addRaw(line: string): number {
    this.raw.push(line);
    return this.raw.length - 1;
  }

  push(body: AgentEventBody, rawIndex?: number): AgentEvent {
    const event = {
      ...body,
      seq: this.events.length,
      time: new Date().toISOString(),
      ...compact({ rawIndex }),
    };
    this.events.push(event);
    for (const listener of this.listeners) listener(event);
    this.wake();
    return event;
  }

  onEvent(listener: (event: AgentEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.closed = true;
    this.wake();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  async *read(cursor = 0, signal?: AbortSignal): AsyncGenerator<AgentEvent> {
    let next = cursor;
    for (;;) {
      while (next < this.events.length) yield this.events[next++]!;
      if (this.closed) return;
      signal?.throwIfAborted();
      await new Promise<void>((resolve) => {
        const onAbort = () => resolve();
        this.wakers.push(() => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        });
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    }
  }

  private wake(): void {
    const wakers = this.wakers;
    this.wakers = [];
    for (const w of wakers) w();
  }
}
