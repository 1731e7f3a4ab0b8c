/**
 * One watch request of `watchResource`: its events, its end, the caller's abort and the stall
 * watchdog arrive in one queue, so the iterator waits on a single thing; and how each way a
 * connection can end decides what the iterator does next.
 */
import type { AgentSandboxError } from '../errors/base.js';
import { fromApiException } from '../errors/from-api-exception.js';
import type { Clock } from './clock.js';
import { EventChannel } from './event-channel.js';
import type { ResourceWatchSource, SourceWatchOptions } from './types.js';

export type Incoming =
  | { kind: 'event'; type: string; object: unknown }
  | { kind: 'done'; error: unknown }
  | { kind: 'stalled' }
  | { kind: 'aborted' };

/** What ends one watch connection, and the typed error when that end is fatal. */
export interface Ending {
  outcome: 'resume' | 'relist' | 'backoff' | 'stop';
  fatal?: AgentSandboxError;
}

export class WatchConnection {
  readonly #channel = new EventChannel<Incoming>();
  /** Aborted when the connection is closed: ends the watchdog. */
  readonly #ended = new AbortController();
  readonly #signal: AbortSignal | undefined;
  readonly #clock: Clock;
  #close: (() => void) | undefined;
  /** When the last event arrived; the watchdog measures silence from here. */
  lastEventAt: number;

  readonly #onAbort = (): void => this.#channel.push({ kind: 'aborted' });

  constructor(signal: AbortSignal | undefined, clock: Clock) {
    this.#signal = signal;
    this.#clock = clock;
    signal?.addEventListener('abort', this.#onAbort, { once: true });
    this.lastEventAt = clock.now();
  }

  /** Starts the watch request and the watchdog that reports a silent connection as stalled. */
  async open(
    source: ResourceWatchSource,
    request: SourceWatchOptions,
    watchdogMs: number,
  ): Promise<void> {
    this.#close = await source.watch(
      request,
      (type, object) => this.#channel.push({ kind: 'event', type, object }),
      (error) => this.#channel.push({ kind: 'done', error }),
    );
    void watchdog(
      this.#clock,
      watchdogMs,
      () => this.lastEventAt,
      this.#ended.signal,
      () => this.#channel.push({ kind: 'stalled' }),
    );
  }

  next(): Promise<Incoming> {
    return this.#channel.next();
  }

  close(): void {
    this.#signal?.removeEventListener('abort', this.#onAbort);
    this.#ended.abort();
    this.#close?.();
  }
}

/** How a connection ended other than by an event: the caller's abort, a stall, or a close. */
export function endingOf(item: Exclude<Incoming, { kind: 'event' }>, received: number): Ending {
  if (item.kind === 'aborted') return { outcome: 'stop' };
  if (item.kind === 'stalled') return { outcome: 'backoff' };
  const error = item.error;
  if (error === null || error === undefined) {
    // A clean close (timeoutSeconds, proxy, apiserver restart): resume from the last
    // resourceVersion. A stream that closes before delivering anything gets backoff so
    // a server closing at once cannot make us spin.
    return { outcome: received > 0 ? 'resume' : 'backoff' };
  }
  return endingFor(fromApiException(error));
}

/** A failed watch: 410 Gone relists, what may pass backs off, the rest ends the iteration. */
export function endingFor(typed: AgentSandboxError): Ending {
  if (typed.code === 'GONE') return { outcome: 'relist' };
  if (typed.retryable) return { outcome: 'backoff' };
  return { outcome: 'stop', fatal: typed };
}

async function watchdog(
  clock: Clock,
  watchdogMs: number,
  lastEventAt: () => number,
  signal: AbortSignal,
  onStall: () => void,
): Promise<void> {
  try {
    for (;;) {
      const remaining = lastEventAt() + watchdogMs - clock.now();
      if (remaining <= 0) {
        onStall();
        return;
      }
      await clock.sleep(remaining, signal);
    }
  } catch {
    // The connection ended first.
  }
}
