/**
 * The board: tasks in the store, each started as an agent run (`@corral/agents`) whose events are
 * stored with sequence numbers and followed live. Status moves: backlog → in_progress →
 * (planFirst) awaiting_approval → in_progress → done | failed.
 *
 * Across a restart (graceful or `kill -9`): a plan awaiting approval survives — its checkpoint
 * (workspace and the agent's `$HOME`) is saved before the task shows `awaiting_approval`, and
 * the restarted server resumes the run from it (approve restores it into a new sandbox). A run
 * that was executing does not: an agent process cannot be reattached, so the task is failed
 * with SERVER_RESTARTED (prompt and events kept; start it again).
 */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { AgentRun, AgentRunner, AgentRunRecord } from '@corral/agents';
import { compact } from '@corral/sdk';
import type { CheckpointFiles } from './checkpoint-files.js';
import { ServerError } from './errors.js';
import type { EventHub } from './event-hub.js';
import type { Task, TaskStatus } from './schemas.js';
import type { Store } from './store/types.js';

export interface TaskCreate {
  title?: string | undefined;
  prompt: string;
  agent?: Task['agent'] | undefined;
  workspace?: Task['workspace'] | undefined;
  model?: string | null | undefined;
  planFirst?: boolean | undefined;
}

/** What surviving a restart needs from the server. */
export interface TaskRecovery {
  checkpoints: CheckpointFiles;
  /** Deletes the sandbox a run of this id may have left (persistent providers keep them). */
  dropRunSandbox(runId: string): Promise<void>;
  /** Whether the provider's sandboxes outlive the server (Kubernetes) or stop with it (local). */
  persistent(): boolean;
  maxCheckpointBytes?: number | undefined;
  logger?: ((line: string) => void) | undefined;
}

export interface RecoverReport {
  /** Tasks awaiting approval whose plan was resumed from its checkpoint. */
  resumed: string[];
  /** Tasks whose run could not continue (marked failed). */
  failed: string[];
}

export function restartMessage(taskId: string, persistent: boolean): string {
  const why = persistent
    ? 'the agent process cannot be reattached after a restart, so its sandbox was deleted'
    : 'its sandbox stopped with the server';
  return (
    `SERVER_RESTARTED: the server restarted while the agent was running; ${why}. ` +
    `The prompt and the events so far are kept: start the task again ` +
    `(move it to In progress, or POST /api/v1/tasks/${taskId}/start).`
  );
}

function newId(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

export class TaskService {
  private readonly runs = new Map<string, AgentRun>();
  private readonly watchers = new Set<Promise<void>>();
  /** Resolved when a person decided on a run's plan (approve, reject, cancel). */
  private readonly decided = new Map<string, () => void>();
  /** Run ids whose plan checkpoint is saved (they survive a restart). */
  private readonly checkpointed = new Set<string>();
  /** Runs let go on shutdown without recording an end: they resume after the restart. */
  private readonly detached = new Set<string>();
  private closing = false;

  constructor(
    private readonly store: Store,
    private readonly hub: EventHub,
    private readonly runner: () => AgentRunner,
    private readonly defaultAgent: () => Promise<Task['agent']>,
    private readonly workspacesDir: string,
    private readonly recovery: TaskRecovery,
  ) {}

  list(): Promise<Task[]> {
    return this.store.listTasks();
  }

  async get(id: string): Promise<Task> {
    const task = await this.store.getTask(id);
    if (!task)
      throw new ServerError(
        'NOT_FOUND',
        `no task ${JSON.stringify(id)}; GET /api/v1/tasks lists them`,
      );
    return task;
  }

  async create(input: TaskCreate): Promise<Task> {
    const now = new Date().toISOString();
    const task: Task = {
      id: newId('t'),
      title: input.title ?? input.prompt.split('\n')[0]!.slice(0, 80),
      prompt: input.prompt,
      agent: input.agent ?? (await this.defaultAgent()),
      workspace: input.workspace ?? null,
      model: input.model ?? null,
      planFirst: input.planFirst ?? false,
      status: 'backlog',
      createdAt: now,
      updatedAt: now,
      runId: null,
      error: null,
      usage: null,
    };
    await this.store.putTask(task);
    return task;
  }

  async patch(
    id: string,
    change: { title?: string | undefined; prompt?: string | undefined },
  ): Promise<Task> {
    const task = await this.get(id);
    if (task.status !== 'backlog')
      throw new ServerError(
        'CONFLICT',
        `task ${id} is ${task.status}; only backlog tasks can be edited`,
      );
    const next: Task = {
      ...task,
      ...compact({ title: change.title, prompt: change.prompt }),
      updatedAt: new Date().toISOString(),
    };
    await this.store.putTask(next);
    return next;
  }

  async remove(id: string): Promise<void> {
    const task = await this.get(id);
    const run = task.runId ? this.runs.get(task.runId) : undefined;
    if (run) await run.cancel().catch(() => undefined);
    await this.store.deleteTask(id);
  }

  async start(id: string): Promise<Task> {
    const task = await this.get(id);
    if (task.status !== 'backlog' && task.status !== 'failed' && task.status !== 'done')
      throw new ServerError('CONFLICT', `task ${id} is ${task.status}; cancel it first`);
    const runId = newId('r');
    let workspace = task.workspace;
    if (!workspace) {
      const dir = join(this.workspacesDir, task.id);
      await mkdir(dir, { recursive: true });
      workspace = { dir };
    }
    const run = await this.runner().run({
      agent: task.agent,
      taskId: runId,
      prompt: task.prompt,
      workspace:
        'dir' in workspace
          ? workspace
          : { repo: workspace.repo, ...(workspace.ref ? { ref: workspace.ref } : {}) },
      mode: task.planFirst ? 'plan' : 'execute',
      ...(task.model ? { model: task.model } : {}),
    });
    this.runs.set(runId, run);
    this.hub.open(runId);
    const now = new Date().toISOString();
    await this.store.putRun({
      id: runId,
      taskId: task.id,
      state: 'starting',
      diff: null,
      files: [],
      createdAt: now,
      updatedAt: now,
    });
    const started = await this.setStatus(
      { ...task, runId, error: null, usage: null },
      'in_progress',
    );
    this.watchRun(started.id, run);
    return started;
  }

  private follow(taskId: string, run: AgentRun): void {
    this.runs.set(run.taskId, run);
    this.hub.open(run.taskId);
    this.watchRun(taskId, run);
  }

  private watchRun(taskId: string, run: AgentRun): void {
    const watcher = this.watch(taskId, run).finally(() => this.watchers.delete(watcher));
    this.watchers.add(watcher);
  }

  async approve(id: string, feedback?: string): Promise<Task> {
    const { task, run } = await this.awaiting(id);
    // approve() resolves when the run ends; the answer is 202 as soon as it resumed
    run.approve(feedback).catch(() => undefined);
    this.decided.get(run.taskId)?.();
    return this.setStatus(task, 'in_progress');
  }

  async reject(id: string): Promise<Task> {
    const { run } = await this.awaiting(id);
    const rejected = run.reject();
    this.decided.get(run.taskId)?.();
    await rejected;
    await this.settled(run);
    return this.get(id);
  }

  async cancel(id: string): Promise<Task> {
    const task = await this.get(id);
    const run = task.runId ? this.runs.get(task.runId) : undefined;
    if (!run)
      throw new ServerError('CONFLICT', `task ${id} has no running agent (it is ${task.status})`);
    const cancelled = run.cancel();
    this.decided.get(run.taskId)?.();
    await cancelled;
    await this.settled(run);
    return this.get(id);
  }

  async diff(id: string): Promise<{ diff: string; files: { path: string; status: string }[] }> {
    const task = await this.get(id);
    const run = task.runId ? await this.store.getRun(task.runId) : undefined;
    if (!run || run.diff === null)
      throw new ServerError(
        'NOT_FOUND',
        `task ${id} has no diff yet; it appears when the agent's run ends`,
      );
    return { diff: run.diff, files: run.files };
  }

  /**
   * On start-up: plans awaiting approval resume from their checkpoints; the other runs the store
   * still shows as active did not survive and are failed, saying so in their events.
   */
  async recover(): Promise<RecoverReport> {
    const report: RecoverReport = { resumed: [], failed: [] };
    const kept = new Set<string>();
    for (const task of await this.store.listTasks()) {
      if (task.status !== 'in_progress' && task.status !== 'awaiting_approval') continue;
      const runId = task.runId;
      // a persistent provider still has the old sandbox: its state is in the checkpoint
      if (runId) await this.recovery.dropRunSandbox(runId).catch(() => undefined);
      let reason = runId ? restartMessage(task.id, this.recovery.persistent()) : null;
      if (task.status === 'awaiting_approval' && runId) {
        const checkpoint = await this.recovery.checkpoints.load(runId);
        if (checkpoint) {
          try {
            const run = await this.runner().resume(checkpoint);
            this.checkpointed.add(runId);
            kept.add(runId);
            this.follow(task.id, run);
            report.resumed.push(task.id);
            continue;
          } catch (error) {
            reason = `SERVER_RESTARTED: the plan could not be resumed after the restart (${(error as Error).message}); start the task again`;
          }
        } else {
          reason =
            'SERVER_RESTARTED: the server restarted while the plan awaited approval and the plan had no checkpoint (see the earlier error event); start the task again';
        }
      }
      if (runId && reason)
        await this.hub.append(runId, 'error', {
          type: 'error',
          code: 'SERVER_RESTARTED',
          message: reason,
          fatal: true,
        });
      await this.finish(task, 'failed', reason);
      report.failed.push(task.id);
    }
    for (const id of await this.recovery.checkpoints.list())
      if (!kept.has(id)) await this.recovery.checkpoints.remove(id);
    return report;
  }

  /**
   * Shutdown: a plan awaiting approval with a saved checkpoint is let go (its sandbox deleted,
   * its task left awaiting approval, resumed on the next start); other runs are cancelled and
   * recorded as failed with SERVER_SHUTDOWN.
   */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(
      [...this.runs.values()].map((r) => {
        if (r.state === 'awaiting-approval' && this.checkpointed.has(r.taskId))
          this.detached.add(r.taskId);
        return r.cancel().catch(() => undefined);
      }),
    );
    await Promise.all([...this.watchers]);
  }

  private async settled(run: AgentRun): Promise<void> {
    await run.finished();
    await Promise.all([...this.watchers]);
  }

  private async awaiting(id: string): Promise<{ task: Task; run: AgentRun }> {
    const task = await this.get(id);
    const run = task.runId ? this.runs.get(task.runId) : undefined;
    if (task.status !== 'awaiting_approval' || !run || run.state !== 'awaiting-approval')
      throw new ServerError('CONFLICT', `task ${id} is ${task.status}, not awaiting_approval`);
    return { task, run };
  }

  private async setStatus(
    task: Task,
    status: TaskStatus,
    error: string | null = task.error,
  ): Promise<Task> {
    const next = { ...task, status, error, updatedAt: new Date().toISOString() };
    await this.store.putTask(next);
    if (next.runId) await this.hub.append(next.runId, 'status', { status });
    return next;
  }

  private async finish(task: Task, status: TaskStatus, error: string | null): Promise<Task> {
    const next = await this.setStatus(task, status, error);
    if (task.runId) await this.hub.end(task.runId);
    return next;
  }

  private async watch(taskId: string, run: AgentRun): Promise<void> {
    const pump = (async () => {
      for await (const event of run.events()) await this.hub.append(run.taskId, event.type, event);
    })();
    for (;;) {
      const record = await run.wait();
      if (record.state !== 'awaiting-approval') break;
      if (!this.checkpointed.has(run.taskId)) await this.keep(run);
      const task = await this.store.getTask(taskId);
      if (task && task.status !== 'awaiting_approval')
        await this.setStatus(task, 'awaiting_approval');
      const decision = new Promise<void>((resolve) => this.decided.set(run.taskId, resolve));
      await Promise.race([decision, run.finished()]);
      this.decided.delete(run.taskId);
    }
    const record = await run.finished();
    await pump.catch(() => undefined);
    this.runs.delete(run.taskId);
    if (this.detached.has(run.taskId)) return;
    await this.record(taskId, run.taskId, record);
  }

  /**
   * Saves the plan's checkpoint before the task shows awaiting_approval (so an acknowledged
   * plan survives a crash). If it cannot be saved the run still waits in its kept sandbox, and
   * an event says the plan will not survive a restart.
   */
  private async keep(run: AgentRun): Promise<void> {
    try {
      const checkpoint = await run.checkpoint(
        compact({
          maxBytes: this.recovery.maxCheckpointBytes,
        }),
      );
      await this.recovery.checkpoints.save(run.taskId, checkpoint);
      this.checkpointed.add(run.taskId);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const message = `the plan will not survive a server restart: ${(error as Error).message}`;
      this.recovery.logger?.(`run ${run.taskId}: ${message}`);
      await this.hub.append(run.taskId, 'error', {
        type: 'error',
        code: typeof code === 'string' ? code : 'CHECKPOINT_FAILED',
        message,
        fatal: false,
      });
    }
  }

  private async record(taskId: string, runId: string, record: AgentRunRecord): Promise<void> {
    this.checkpointed.delete(runId);
    await this.recovery.checkpoints.remove(runId);
    const now = new Date().toISOString();
    const previous = await this.store.getRun(runId);
    await this.store.putRun({
      id: runId,
      taskId,
      state: record.state,
      diff: record.diff,
      files: record.files.map((f) => ({ path: f.path, status: f.change })),
      createdAt: previous?.createdAt ?? now,
      updatedAt: now,
    });
    const task = await this.store.getTask(taskId);
    if (!task) return;
    const usage = {
      inputTokens: record.usage.inputTokens,
      outputTokens: record.usage.outputTokens,
      costUsd: record.usage.costUsd,
    };
    const ok = record.state === 'succeeded';
    const error = ok
      ? null
      : // an awaiting plan cancelled by the shutdown ends as rejected
        this.closing && (record.state === 'cancelled' || record.state === 'rejected')
        ? 'SERVER_SHUTDOWN: the server was stopped while the agent ran; start the task again'
        : record.error
          ? `${record.error.code}: ${record.error.message}`
          : record.state;
    await this.finish({ ...task, usage }, ok ? 'done' : 'failed', error);
  }
}
