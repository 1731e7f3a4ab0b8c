/**
 * A controller-runtime style work queue: keys are deduplicated, a key is never reconciled twice
 * at once (a key added while it runs is re-run afterwards), reconciles run asynchronously (never
 * inside the store's synchronous watch callbacks), and requeue-after delays use the cluster clock.
 */
import type { Timers } from './timers.js';

export interface ReconcileResult {
  /** Reconcile this key again after this many milliseconds of clock time. */
  requeueAfterMs?: number;
}

export type Reconciler = (key: string) => ReconcileResult | void | Promise<ReconcileResult | void>;

export interface WorkQueueOptions {
  timers: Timers;
  /** Real milliseconds to wait before each reconcile (models controller latency). */
  reconcileDelayMs?: number;
  /** Called when a reconcile throws; the key is retried with exponential backoff. */
  onError?: (key: string, err: unknown) => void;
}

const BASE_BACKOFF_MS = 5;
const MAX_BACKOFF_MS = 16_000;
/** Yield to the event loop after this many reconciles so HTTP clients are served meanwhile. */
const BATCH = 64;

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly dirtyWhileRunning = new Set<string>();
  private readonly timers = new Map<string, { dueMs: number; cancel: () => void }>();
  private readonly failures = new Map<string, number>();
  private running: string | undefined;
  private pumping = false;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly reconcile: Reconciler,
    private readonly options: WorkQueueOptions,
  ) {}

  add(key: string): void {
    if (this.stopped) return;
    if (this.running === key) {
      this.dirtyWhileRunning.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
    this.pump();
  }

  /** Adds `key` after `delayMs`; an earlier pending requeue for the same key wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.stopped) return;
    const { timers } = this.options;
    const dueMs = timers.now() + delayMs;
    const existing = this.timers.get(key);
    if (existing !== undefined) {
      if (existing.dueMs <= dueMs) return;
      existing.cancel();
    }
    const cancel = timers.schedule(delayMs, () => {
      this.timers.delete(key);
      this.add(key);
    });
    this.timers.set(key, { dueMs, cancel });
  }

  /** Resolves once no key is queued or being reconciled (pending requeue timers do not count). */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  isIdle(): boolean {
    return this.queue.length === 0 && this.running === undefined && !this.pumping;
  }

  stop(): void {
    this.stopped = true;
    for (const { cancel } of this.timers.values()) cancel();
    this.timers.clear();
    this.queue.length = 0;
    this.queued.clear();
    this.notifyIdle();
  }

  private pump(): void {
    if (this.pumping || this.stopped) return;
    this.pumping = true;
    setImmediate(() => void this.drain());
  }

  private async drain(): Promise<void> {
    let count = 0;
    try {
      while (!this.stopped && this.queue.length > 0) {
        if (count++ >= BATCH) {
          // Let watch deliveries to HTTP clients and other I/O through.
          await new Promise<void>((resolve) => setImmediate(resolve));
          count = 0;
        }
        const key = this.queue.shift() as string;
        this.queued.delete(key);
        const delay = this.options.reconcileDelayMs ?? 0;
        if (delay > 0) await new Promise<void>((resolve) => setTimeout(resolve, delay));
        if (this.stopped) break;
        this.running = key;
        try {
          const result = await this.reconcile(key);
          this.failures.delete(key);
          const after = result?.requeueAfterMs;
          // Upstream's 1 ms "requeue immediately" must not need a clock tick in tests.
          if (after !== undefined && after <= 1) this.dirtyWhileRunning.add(key);
          else if (after !== undefined) this.addAfter(key, after);
        } catch (err) {
          const failures = (this.failures.get(key) ?? 0) + 1;
          this.failures.set(key, failures);
          this.options.onError?.(key, err);
          this.addAfter(key, Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** (failures - 1)));
        } finally {
          this.running = undefined;
        }
        if (this.dirtyWhileRunning.delete(key) && !this.queued.has(key)) {
          this.queued.add(key);
          this.queue.push(key);
        }
      }
    } finally {
      this.pumping = false;
      this.notifyIdle();
    }
  }

  private notifyIdle(): void {
    if (!this.isIdle() && !this.stopped) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
