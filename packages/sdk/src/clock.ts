/**
 * Time for the orchestrator and other layers above the providers: `now()` for durations and
 * `sleep()` for deadlines and intervals. Injectable so tests advance time by hand instead of
 * sleeping; `@corral/agent-sandbox`'s `ManualClock` has this shape.
 */
import { setTimeout as delay } from 'node:timers/promises';

export interface Clock {
  /** Milliseconds; only differences are meaningful. */
  now(): number;
  /** Resolves after `ms`; rejects with `signal.reason` when the signal aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  sleep: async (ms, signal) => {
    try {
      await delay(ms, undefined, signal === undefined ? {} : { signal });
    } catch (error) {
      // timers/promises wraps the reason in an AbortError; callers expect the reason itself
      throw signal?.aborted === true ? (signal.reason as Error) : error;
    }
  },
};
