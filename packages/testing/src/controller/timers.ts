/**
 * Delayed callbacks driven by the cluster's clock: a manual clock fires them when a test calls
 * `advance()`/`set()`, the real clock uses `setTimeout`. Nothing here sleeps.
 */
import type { Clock, ManualClock } from '../clock.js';

export interface Timers {
  now(): number;
  /** Runs `fn` once `delayMs` of clock time has passed; returns a cancel function. */
  schedule(delayMs: number, fn: () => void): () => void;
  /** Cancels every pending timer. */
  dispose(): void;
}

function isManual(clock: Clock): clock is ManualClock {
  return typeof (clock as Partial<ManualClock>).onChange === 'function';
}

export function createTimers(clock: Clock): Timers {
  if (!isManual(clock)) {
    const handles = new Set<ReturnType<typeof setTimeout>>();
    return {
      now: () => clock.now(),
      schedule(delayMs, fn) {
        const handle = setTimeout(
          () => {
            handles.delete(handle);
            fn();
          },
          Math.max(0, delayMs),
        );
        handles.add(handle);
        return () => {
          clearTimeout(handle);
          handles.delete(handle);
        };
      },
      dispose() {
        for (const handle of handles) clearTimeout(handle);
        handles.clear();
      },
    };
  }

  interface Pending {
    dueMs: number;
    seq: number;
    fn: () => void;
  }
  let pending: Pending[] = [];
  let seq = 0;
  const fireDue = (now: number): void => {
    const due = pending
      .filter((p) => p.dueMs <= now)
      .sort((a, b) => a.dueMs - b.dueMs || a.seq - b.seq);
    if (due.length === 0) return;
    pending = pending.filter((p) => p.dueMs > now);
    for (const p of due) p.fn();
  };
  const unsubscribe = clock.onChange(fireDue);
  return {
    now: () => clock.now(),
    schedule(delayMs, fn) {
      const entry: Pending = { dueMs: clock.now() + Math.max(0, delayMs), seq: seq++, fn };
      if (delayMs <= 0) {
        // Already due: fire on the next turn rather than re-entrantly.
        let cancelled = false;
        setImmediate(() => {
          if (!cancelled) fn();
        });
        return () => {
          cancelled = true;
        };
      }
      pending.push(entry);
      return () => {
        pending = pending.filter((p) => p !== entry);
      };
    },
    dispose() {
      pending = [];
      unsubscribe();
    },
  };
}
