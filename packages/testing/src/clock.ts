/**
 * Time as the fake cluster sees it. Everything that stamps a time (creationTimestamp,
 * deletionTimestamp, managedFields, conditions written by the simulated controller) reads it
 * from a `Clock`, so tests can move time forward instead of sleeping.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

/** A clock that tests move by hand. */
export interface ManualClock extends Clock {
  /** Moves time forward by `ms` milliseconds and notifies listeners. */
  advance(ms: number): void;
  /** Jumps to an absolute time (ms since epoch); must not go backwards. */
  set(ms: number): void;
  /** Calls `listener` after every `advance`/`set`; returns a function that unsubscribes. */
  onChange(listener: (now: number) => void): () => void;
}

/** The real clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** Creates a manual clock starting at `startMs` (default: 2026-01-01T00:00:00Z). */
export function createManualClock(startMs: number = Date.UTC(2026, 0, 1)): ManualClock {
  let current = startMs;
  const listeners = new Set<(now: number) => void>();
  const notify = (): void => {
    for (const listener of [...listeners]) listener(current);
  };
  return {
    now: () => current,
    advance(ms) {
      if (!(ms >= 0)) throw new RangeError(`advance(ms) needs ms >= 0, got ${ms}`);
      current += ms;
      notify();
    },
    set(ms) {
      if (ms < current)
        throw new RangeError(`set(ms) cannot move time backwards (${ms} < ${current})`);
      current = ms;
      notify();
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** RFC 3339 with second precision, as Kubernetes writes `metav1.Time`. */
export function formatKubeTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
