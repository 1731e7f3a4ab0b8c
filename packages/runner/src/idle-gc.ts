/**
 * Full garbage collections at quiet moments, when node runs with `--expose-gc` (the local
 * provider's RUNNER_NODE_FLAGS). V8 alone keeps the heap it grew while commands ran: a runner
 * that served thousands of commands held ~15 MB more than an idle one with 7 MB live, a cost
 * paid by every sandbox on the host. One collection of this small heap takes a few ms, so it runs
 * after every COMMANDS_PER_GC exited commands and once the runner has been quiet for IDLE_GC_MS
 * (docs/decisions/0048). Without `--expose-gc` this does nothing.
 */
export const COMMANDS_PER_GC = 500;
export const IDLE_GC_MS = 2000;

export interface IdleGcClock {
  setTimeout(callback: () => void, ms: number): { unref(): unknown };
  clearTimeout(timer: { unref(): unknown }): void;
}

export class IdleGc {
  private exited = 0;
  private timer: { unref(): unknown } | undefined;

  constructor(
    private readonly gc: (() => void) | undefined = (globalThis as { gc?: () => void }).gc,
    private readonly clock: IdleGcClock = globalThis as unknown as IdleGcClock,
  ) {}

  /** Called when a command exited. */
  commandExited(): void {
    const gc = this.gc;
    if (gc === undefined) return;
    if (++this.exited % COMMANDS_PER_GC === 0) setImmediate(gc);
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      gc();
    }, IDLE_GC_MS);
    this.timer.unref();
  }
}
