/** When the runner collects garbage on its own (with --expose-gc): every N commands and when quiet. */
import { describe, expect, it } from 'vitest';
import { COMMANDS_PER_GC, IDLE_GC_MS, IdleGc, type IdleGcClock } from '../src/idle-gc.js';

/** A clock whose timers fire only when the test says so. */
function manualClock() {
  const timers = new Set<{ callback: () => void; ms: number; unref(): unknown }>();
  const clock: IdleGcClock = {
    setTimeout(callback, ms) {
      const timer = { callback, ms, unref: () => timer };
      timers.add(timer);
      return timer;
    },
    clearTimeout(timer) {
      timers.delete(timer as never);
    },
  };
  const fire = () => {
    for (const timer of [...timers]) {
      timers.delete(timer);
      timer.callback();
    }
  };
  return { clock, timers, fire };
}

const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('IdleGc', () => {
  it('collects after every COMMANDS_PER_GC exits and once when the runner goes quiet', async () => {
    let collections = 0;
    const { clock, timers, fire } = manualClock();
    const idle = new IdleGc(() => collections++, clock);
    for (let i = 0; i < COMMANDS_PER_GC - 1; i++) idle.commandExited();
    await nextTick();
    expect(collections).toBe(0);
    // one quiet-timer at a time, re-armed by each exit
    expect([...timers].map((t) => t.ms)).toEqual([IDLE_GC_MS]);
    idle.commandExited();
    await nextTick();
    expect(collections).toBe(1);
    fire();
    expect(collections).toBe(2);
    expect(timers.size).toBe(0);
  });

  it('does nothing when node runs without --expose-gc', async () => {
    const { clock, timers } = manualClock();
    const idle = new IdleGc(undefined, clock);
    for (let i = 0; i < COMMANDS_PER_GC; i++) idle.commandExited();
    await nextTick();
    expect(timers.size).toBe(0);
  });
});
