import type { Clock } from './clock.js';
import { AgentSandboxError } from '../errors/base.js';

interface Timer {
  at: number;
  seq: number;
  resolve: () => void;
}

/**
 * A `Clock` that moves only when told to. `advance(ms)` fires due sleeps in time order and lets
 * the code they wake run before firing the next one.
 */
export class ManualClock implements Clock {
  private time: number;
  private seq = 0;
  private readonly timers = new Set<Timer>();
  private readonly sleepWatchers: (() => void)[] = [];

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted === true) {
        reject(signal.reason as Error);
        return;
      }
      const timer: Timer = {
        at: this.time + Math.max(0, ms),
        seq: this.seq++,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        this.timers.delete(timer);
        reject(signal?.reason as Error);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.timers.add(timer);
      for (const notify of this.sleepWatchers.splice(0)) notify();
    });
  }

  /** Number of sleeps not yet fired or aborted. */
  get pendingSleeps(): number {
    return this.timers.size;
  }

  /** Durations of the pending sleeps, measured from now, in firing order. */
  pendingDelays(): number[] {
    return [...this.timers].sort(order).map((t) => t.at - this.time);
  }

  /** Resolves once at least `count` sleeps are pending (after letting queued work run). */
  async waitForSleeps(count = 1, maxTicks = 1000): Promise<void> {
    for (let i = 0; i < maxTicks && this.timers.size < count; i++) await tick();
    if (this.timers.size < count) {
      throw new AgentSandboxError(
        'WAIT_TIMEOUT',
        `ManualClock: expected ${count} pending sleeps, have ${this.timers.size}; the code under test never slept as often as the test expects.`,
      );
    }
  }

  /** Moves time forward, firing every sleep that comes due, in order. */
  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    await tick();
    for (;;) {
      const next = [...this.timers].sort(order)[0];
      if (next === undefined || next.at > target) break;
      this.timers.delete(next);
      this.time = next.at;
      next.resolve();
      await tick();
    }
    this.time = target;
    await tick();
  }
}

function order(a: Timer, b: Timer): number {
  return a.at - b.at || a.seq - b.seq;
}

function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
