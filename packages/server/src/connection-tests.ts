/**
 * Test-connection runs, kept briefly so a client that lost its stream resumes instead of
 * re-running checks: each run's events (numbered 1, 2, …) are recorded in memory while the
 * checks go on without the client, and kept `retainMs` after `done`. A run is not worth the
 * store: it takes seconds, and after a server restart a new one gives the same answer.
 */
import { randomBytes } from 'node:crypto';
import { ServerError } from './errors.js';
import type { ConnectionChecks } from './options.js';
import type { Settings } from './schemas.js';

export interface TestEvent {
  seq: number;
  event: 'check' | 'done';
  data: unknown;
}

interface TestRun {
  events: TestEvent[];
  done: boolean;
  wake: Set<() => void>;
  abort: AbortController;
  expiry?: NodeJS.Timeout;
}

export class ConnectionTests {
  private readonly runs = new Map<string, TestRun>();

  constructor(
    private readonly checks: ConnectionChecks | undefined,
    private readonly retainMs = 5 * 60_000,
    private readonly maxRuns = 32,
  ) {}

  /** Starts the checks for these settings; returns the run id to follow. */
  start(settings: Settings): string {
    if (this.runs.size >= this.maxRuns) {
      const finished = [...this.runs].find(([, r]) => r.done);
      if (!finished)
        throw new ServerError(
          'CONFLICT',
          `${this.maxRuns} connection tests are already running; wait for one to finish`,
          { retryable: true },
        );
      this.drop(finished[0]);
    }
    const id = `tc-${randomBytes(6).toString('hex')}`;
    const run: TestRun = { events: [], done: false, wake: new Set(), abort: new AbortController() };
    this.runs.set(id, run);
    void this.drive(run, settings).finally(() => {
      run.done = true;
      this.notify(run);
      run.expiry = setTimeout(() => this.drop(id), this.retainMs);
      run.expiry.unref();
    });
    return id;
  }

  /**
   * The run's events after `after`, then live ones until `done` (or `signal` aborts). Throws
   * NOT_FOUND at once (before any event) for an unknown or expired run.
   */
  follow(id: string, after: number, signal: AbortSignal): AsyncGenerator<TestEvent> {
    const run = this.runs.get(id);
    if (!run)
      throw new ServerError(
        'NOT_FOUND',
        `no connection test ${JSON.stringify(id)} (each is kept ${Math.round(this.retainMs / 1000)} s after it finishes); POST /api/v1/test-connection starts one`,
      );
    return this.read(run, after, signal);
  }

  private async *read(run: TestRun, after: number, signal: AbortSignal): AsyncGenerator<TestEvent> {
    let next = after;
    for (;;) {
      while (next < run.events.length) yield run.events[next++]!;
      if (run.done || signal.aborted) return;
      await new Promise<void>((resolve) => {
        const wake = () => {
          run.wake.delete(wake);
          signal.removeEventListener('abort', wake);
          resolve();
        };
        run.wake.add(wake);
        signal.addEventListener('abort', wake, { once: true });
      });
    }
  }

  close(): void {
    for (const id of [...this.runs.keys()]) this.drop(id);
  }

  private async drive(run: TestRun, settings: Settings): Promise<void> {
    const push = (event: TestEvent['event'], data: unknown) => {
      run.events.push({ seq: run.events.length + 1, event, data });
      this.notify(run);
    };
    const counts = { ok: 0, warn: 0, fail: 0, skip: 0 };
    try {
      if (!this.checks) {
        push('check', {
          id: 'checks',
          title: 'Connection checks',
          status: 'skip',
          detail: 'this server was started without connection checks',
          fix: "start it with corral serve, which runs corral doctor's checks",
        });
        counts.skip++;
      } else {
        for await (const check of this.checks(settings, run.abort.signal)) {
          if (check.status !== 'running') counts[check.status]++;
          push('check', check);
        }
      }
    } catch (error) {
      if (run.abort.signal.aborted) return;
      push('check', {
        id: 'checks',
        title: 'Connection checks',
        status: 'fail',
        detail: `the checks stopped: ${(error as Error).message}`,
        fix: 'run corral doctor on the server host for details',
      });
      counts.fail++;
    }
    push('done', { ok: counts.fail === 0, counts });
  }

  private notify(run: TestRun): void {
    for (const wake of [...run.wake]) wake();
  }

  private drop(id: string): void {
    const run = this.runs.get(id);
    if (!run) return;
    clearTimeout(run.expiry);
    run.abort.abort();
    this.runs.delete(id);
    run.done = true;
    this.notify(run);
  }
}
