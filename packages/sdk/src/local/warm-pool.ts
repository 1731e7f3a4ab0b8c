/**
 * Keeps `size` pre-started items ready. `take()` hands one over at once and starts a replacement
 * in the background. A failed start is remembered and not retried until the next `take()`, so a
 * broken host does not spin.
 */
import { EventEmitter, once } from 'node:events';
import { ProviderClosedError } from '../errors.js';

export interface WarmPoolOptions<T> {
  size: number;
  start(): Promise<T>;
  /** Whether a ready item is still usable (e.g. its process has not died). */
  alive(item: T): boolean;
  destroy(item: T): Promise<void>;
  /**
   * How long after a `take()` the replacement starts (default 0: at once). Starting a sandbox
   * is a burst of CPU (bwrap, node, Python); on a small machine it slowed the first command of
   * the sandbox just handed over several-fold. `whenReady()` starts it at once.
   */
  refillDelayMs?: number;
}

export class WarmPool<T> {
  private readonly ready: T[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly events = new EventEmitter();
  private closed = false;
  private failures = 0;
  private refillTimer: NodeJS.Timeout | undefined;
  lastError: unknown;

  constructor(private readonly options: WarmPoolOptions<T>) {
    this.events.setMaxListeners(0);
  }

  get readyCount(): number {
    return this.ready.length;
  }

  /** Starts filling up to `size`. */
  fill(): void {
    clearTimeout(this.refillTimer);
    this.refillTimer = undefined;
    while (
      !this.closed &&
      this.failures === 0 &&
      this.ready.length + this.inFlight.size < this.options.size
    ) {
      const job: Promise<void> = this.options.start().then(
        (item) => {
          this.inFlight.delete(job);
          if (this.closed) return this.options.destroy(item);
          this.ready.push(item);
          this.events.emit('change');
          this.fill();
          return undefined;
        },
        (error: unknown) => {
          this.inFlight.delete(job);
          this.failures++;
          this.lastError = error;
          this.events.emit('change');
        },
      );
      this.inFlight.add(job);
    }
  }

  /** A ready item, or undefined when none is ready (the caller then starts its own). */
  take(): T | undefined {
    this.failures = 0;
    let item: T | undefined;
    while ((item = this.ready.shift()) !== undefined) {
      if (this.options.alive(item)) break;
      void this.options.destroy(item).catch(() => undefined);
    }
    const delayMs = this.options.refillDelayMs ?? 0;
    if (item === undefined || delayMs <= 0) this.fill();
    else if (this.refillTimer === undefined) {
      this.refillTimer = setTimeout(() => this.fill(), delayMs);
      this.refillTimer.unref();
    }
    return item;
  }

  /** Resolves once `size` items are ready; rejects if a start fails meanwhile. */
  async whenReady(signal?: AbortSignal): Promise<void> {
    this.fill();
    while (this.ready.length < this.options.size) {
      if (this.closed) {
        throw new ProviderClosedError('The warm pool was closed; create a new local provider.');
      }
      if (this.failures > 0) throw this.lastError;
      await once(this.events, 'change', signal ? { signal } : {});
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.refillTimer);
    this.events.emit('change');
    await Promise.allSettled([...this.inFlight]);
    const items = this.ready.splice(0);
    await Promise.allSettled(items.map((item) => this.options.destroy(item)));
  }
}
