/**
 * `createOrchestrator()`: runs tasks in sandboxes under a concurrency limit, one sandbox per task
 * id, and sweeps what is left behind (its own earlier incarnations, owners that are gone).
 */
import { taskTracer, traceTask } from './task-tracing.js';
import {
  CORRAL_LABELS,
  compact,
  createLocalProvider,
  defaultOwner,
  systemClock,
  type SandboxInfo,
  type SandboxProvider,
} from '@corral/sdk';
import {
  InvalidTaskError,
  OrchestratorClosedError,
  OrchestratorError,
  messageOf,
} from './errors.js';
import { Limiter } from './limiter.js';
import { checkTaskIdentifier, sandboxIdFor, validateTask } from './labels.js';
import {
  runTask,
  zeroPhases,
  type Progress,
  type ResolvedTimeouts,
  type RunContext,
} from './run-task.js';
import type {
  OrchestratorOptions,
  RunTaskOptions,
  SweepReport,
  Task,
  TaskHandle,
  TaskRecord,
  TaskSummary,
} from './types.js';

interface Entry {
  taskID: string;
  status: 'queued' | 'running' | 'finished';
  progress: Progress;
  controller: AbortController;
  promise: Promise<TaskRecord>;
  record?: TaskRecord;
}

export interface CloseOptions {
  /** Let running and queued tasks finish instead of cancelling them. @default false */
  drain?: boolean;
}

const silent = (): void => undefined;

export class Orchestrator {
  /** This orchestrator's owner id (the `corral.dev/owner` label on its sandboxes). */
  readonly owner: string;
  readonly provider: SandboxProvider;
  readonly #ownsProvider: boolean;
  readonly #limiter: Limiter;
  readonly #ctx: RunContext;
  readonly #options: OrchestratorOptions;
  readonly #entries = new Map<string, Entry>();
  readonly #finishedOrder: string[] = [];
  readonly #retain: number;
  readonly #stop = new AbortController();
  #sweeping: Promise<SweepReport> | undefined;
  #closed: Promise<void> | undefined;

  constructor(options: OrchestratorOptions) {
    if (typeof options !== 'object' || options === null || options.provider === undefined) {
      throw new InvalidTaskError(
        'createOrchestrator needs { provider }: "local" or a SandboxProvider (e.g. createKubernetesProvider()).',
      );
    }
    const concurrency = options.concurrency ?? 4;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new InvalidTaskError(
        `concurrency must be a whole number >= 1, got ${String(concurrency)}.`,
      );
    }
    const sweepIntervalMs = options.sweepIntervalMs ?? 60_000;
    if (!(Number.isFinite(sweepIntervalMs) && sweepIntervalMs >= 0)) {
      throw new InvalidTaskError(
        `sweepIntervalMs must be >= 0 (0 disables the background sweep), got ${String(sweepIntervalMs)}.`,
      );
    }
    this.#options = options;
    this.#ownsProvider = options.provider === 'local';
    this.provider = options.provider === 'local' ? createLocalProvider() : options.provider;
    this.owner = options.owner ?? this.provider.owner ?? defaultOwner();
    checkTaskIdentifier('owner', this.owner);
    this.#limiter = new Limiter(concurrency);
    this.#retain = options.retainRecords ?? 10_000;
    const t = options.timeouts ?? {};
    const timeouts: ResolvedTimeouts = {
      provisionMs: t.provisionMs,
      reachableMs: t.reachableMs ?? 30_000,
      acceptMs: t.acceptMs ?? 30_000,
      runGraceMs: t.runGraceMs ?? 10_000,
      logsMs: t.logsMs ?? 5_000,
      cleanupMs: t.cleanupMs ?? 30_000,
    };
    this.#ctx = {
      provider: this.provider,
      owner: this.owner,
      sandboxDefaults: options.sandboxDefaults,
      timeouts,
      clock: options.clock ?? systemClock,
      logger: options.logger ?? silent,
      tracer: taskTracer(options.tracerProvider),
    };
    if (options.sweepOnStart !== false) {
      void this.sweep().catch((error: unknown) =>
        this.#ctx.logger('warn', 'the start-up sweep failed', { error: messageOf(error) }),
      );
    }
    if (sweepIntervalMs > 0) void this.#sweepLoop(sweepIntervalMs);
  }

  /**
   * Runs a task to the end and resolves with its record (failures are in the record, not
   * thrown). A task id already known joins that task: same promise, never a second sandbox.
   */
  runTask(task: Task, options: RunTaskOptions = {}): Promise<TaskRecord> {
    const entry = this.#enter(task);
    const { signal } = options;
    if (signal !== undefined && entry.status !== 'finished') {
      const onAbort = (): void => entry.controller.abort(signal.reason);
      if (signal.aborted) onAbort();
      else {
        signal.addEventListener('abort', onAbort, { once: true });
        void entry.promise.finally(() => signal.removeEventListener('abort', onAbort));
      }
    }
    return entry.promise;
  }

  /** Queues a task and returns at once with a handle (`wait()`, `cancel()`). */
  submit(task: Task): TaskHandle {
    const entry = this.#enter(task);
    return {
      taskID: entry.taskID,
      wait: () => entry.promise,
      cancel: () => entry.controller.abort(cancelled(entry.taskID)),
    };
  }

  /** Where a task is (queued, running in some phase, finished with its record). */
  get(taskID: string): TaskSummary | undefined {
    const entry = this.#entries.get(taskID);
    return entry === undefined ? undefined : summary(entry);
  }

  /** Every task this orchestrator knows (finished ones up to `retainRecords`). */
  list(): TaskSummary[] {
    return [...this.#entries.values()].map(summary);
  }

  /** Handle of a known task (e.g. one adopted by the sweeper), to wait for or cancel. */
  handle(taskID: string): TaskHandle | undefined {
    const entry = this.#entries.get(taskID);
    if (entry === undefined) return undefined;
    return {
      taskID,
      wait: () => entry.promise,
      cancel: () => entry.controller.abort(cancelled(taskID)),
    };
  }

  /** Tasks running / waiting for a slot. */
  get stats(): { running: number; queued: number } {
    return { running: this.#limiter.active, queued: this.#limiter.queued };
  }

  /**
   * Lists sandboxes carrying this owner's label and settles each: a task still running (left by
   * an earlier incarnation) is adopted and watched to the end; one whose task ended, or that has
   * no task id, is deleted. With `isOwnerAlive`, sandboxes of owners reported gone are deleted
   * too. Concurrent calls share one sweep.
   */
  sweep(): Promise<SweepReport> {
    this.#sweeping ??= this.#sweep().finally(() => (this.#sweeping = undefined));
    return this.#sweeping;
  }

  /**
   * Stops the sweeper, cancels (or with `drain`, awaits) every task, and waits until their
   * sandboxes are deleted. Closes the provider only if the orchestrator made it (`'local'`).
   */
  close(options: CloseOptions = {}): Promise<void> {
    this.#closed ??= this.#close(options);
    return this.#closed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ---- internals

  #enter(task: Task): Entry {
    if (this.#closed !== undefined) throw new OrchestratorClosedError();
    validateTask(task);
    const existing = this.#entries.get(task.taskID);
    if (existing !== undefined) return existing;
    return this.#start(task.taskID, task, false);
  }

  #start(taskID: string, task: Task | undefined, adopt: boolean): Entry {
    const controller = new AbortController();
    const entry: Entry = {
      taskID,
      status: 'queued',
      progress: { phase: 'queued', sandboxId: sandboxIdFor(taskID) },
      controller,
      promise: undefined as unknown as Promise<TaskRecord>,
    };
    this.#entries.set(taskID, entry);
    entry.promise = this.#execute(entry, task, adopt).then((record) => {
      entry.status = 'finished';
      entry.record = record;
      this.#remember(taskID);
      this.#ctx.logger(record.state === 'succeeded' ? 'info' : 'warn', 'task finished', {
        taskID,
        state: record.state,
        exitCode: record.exitCode,
        failure: record.failure,
      });
      return record;
    });
    return entry;
  }

  async #execute(entry: Entry, task: Task | undefined, adopt: boolean): Promise<TaskRecord> {
    const startedAt = new Date();
    const queuedFrom = this.#ctx.clock.now();
    let release: (() => void) | undefined;
    // Adopted sandboxes exist already; holding them back in the queue would only delay cleanup.
    if (!adopt) {
      try {
        release = await this.#limiter.acquire(entry.controller.signal);
      } catch {
        return cancelledWhileQueued(entry.taskID, startedAt, this.#ctx.clock.now() - queuedFrom);
      }
    }
    entry.status = 'running';
    try {
      const input = {
        taskID: entry.taskID,
        sandboxId: entry.progress.sandboxId,
        task,
        adopt,
        startedAt,
        queuedMs: this.#ctx.clock.now() - queuedFrom,
        cancel: entry.controller.signal,
      };
      return await traceTask(this.#ctx.tracer, entry.taskID, () =>
        runTask(this.#ctx, input, entry.progress),
      );
    } catch (error) {
      // runTask turns failures into records; reaching here is a bug, reported as a record too
      return {
        ...cancelledWhileQueued(entry.taskID, startedAt, 0),
        state: 'failed',
        failure: { code: 'INTERNAL', message: messageOf(error), phase: entry.progress.phase },
      };
    } finally {
      release?.();
    }
  }

  #remember(taskID: string): void {
    this.#finishedOrder.push(taskID);
    while (this.#finishedOrder.length > this.#retain) {
      const old = this.#finishedOrder.shift()!;
      if (this.#entries.get(old)?.status === 'finished') this.#entries.delete(old);
    }
  }

  async #sweep(): Promise<SweepReport> {
    const report: SweepReport = { adopted: [], deleted: [], failed: [] };
    const signal = AbortSignal.timeout(this.#ctx.timeouts.cleanupMs);
    const ours = await this.provider.list({
      labels: { [CORRAL_LABELS.owner]: this.owner },
      signal,
    });
    const doomed: SandboxInfo[] = [];
    for (const info of ours) {
      const taskID = info.taskId;
      const entry = taskID === undefined ? undefined : this.#entries.get(taskID);
      if (entry !== undefined && entry.status !== 'finished') continue; // in hand
      if (taskID === undefined || entry !== undefined || this.#closed !== undefined) {
        doomed.push(info); // no task to watch, or its task already ended here
        continue;
      }
      if (info.id !== sandboxIdFor(taskID)) {
        doomed.push(info); // not made by an orchestrator (the id would be derived)
        continue;
      }
      this.#ctx.logger('info', 'adopting a sandbox left by an earlier incarnation', {
        taskID,
        id: info.id,
      });
      this.#start(taskID, undefined, true);
      report.adopted.push(info.id);
    }
    const isOwnerAlive = this.#options.isOwnerAlive;
    if (isOwnerAlive !== undefined) {
      const verdicts = new Map<string, boolean>();
      for (const info of await this.provider.list({ signal })) {
        const owner = info.owner;
        if (owner === undefined || owner === this.owner) continue;
        if (info.taskId === undefined) continue; // not an orchestrator's sandbox
        if (!verdicts.has(owner)) verdicts.set(owner, await isOwnerAlive(owner));
        if (verdicts.get(owner) === false) doomed.push(info);
      }
    }
    await Promise.all(
      doomed.map(async (info) => {
        try {
          await this.provider.delete(info.id, {
            signal: AbortSignal.timeout(this.#ctx.timeouts.cleanupMs),
          });
          report.deleted.push(info.id);
        } catch (error) {
          report.failed.push({ sandboxId: info.id, message: messageOf(error) });
        }
      }),
    );
    if (report.adopted.length + report.deleted.length + report.failed.length > 0) {
      this.#ctx.logger('info', 'sweep', { ...report });
    }
    return report;
  }

  async #sweepLoop(intervalMs: number): Promise<void> {
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      try {
        await this.#ctx.clock.sleep(intervalMs, signal);
      } catch {
        return;
      }
      await this.sweep().catch((error: unknown) =>
        this.#ctx.logger('warn', 'sweep failed', { error: messageOf(error) }),
      );
    }
  }

  async #close(options: CloseOptions): Promise<void> {
    this.#stop.abort();
    await this.#sweeping?.catch(() => undefined);
    const pending = [...this.#entries.values()].filter((e) => e.status !== 'finished');
    if (options.drain !== true) {
      for (const entry of pending) entry.controller.abort(new OrchestratorClosedError());
    }
    await Promise.all(pending.map((e) => e.promise));
    if (this.#ownsProvider) await this.provider.close();
  }
}

function cancelled(taskID: string): OrchestratorError {
  return new OrchestratorError(`Task ${taskID} was cancelled.`, { code: 'CANCELLED' });
}

function summary(entry: Entry): TaskSummary {
  return {
    taskID: entry.taskID,
    sandboxId: entry.record?.sandboxId ?? entry.progress.sandboxId,
    status: entry.status,
    phase: entry.progress.phase,
    ...compact({ record: entry.record }),
  };
}

function cancelledWhileQueued(taskID: string, startedAt: Date, queuedMs: number): TaskRecord {
  return {
    taskID,
    sandboxId: '',
    state: 'cancelled',
    failure: {
      code: 'CANCELLED',
      message: `Task ${taskID} was cancelled before it started.`,
      phase: 'queued',
    },
    phases: zeroPhases(queuedMs),
    startedAt,
    finishedAt: new Date(),
    logs: '',
    outputTail: '',
  };
}

/** Makes an orchestrator; see `OrchestratorOptions` for the defaults. */
export function createOrchestrator(options: OrchestratorOptions): Orchestrator {
  return new Orchestrator(options);
}
