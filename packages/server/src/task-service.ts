/**
 * The board: tasks in the store, each started as an agent run (`@corral/agents`) whose events are
 * stored with sequence numbers and followed live. Status moves: backlog → in_progress →
 * (planFirst) awaiting_approval → in_progress → done | failed. A run does not survive the server:
 * on graceful shutdown runs are cancelled, and after a crash the runs left `in_progress` are
 * marked failed on start-up (their local sandboxes died with the server); start the task again.
 */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { AgentRun, AgentRunner, AgentRunRecord } from '@corral/agents';
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

function newId(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

export class TaskService {
  private readonly runs = new Map<string, AgentRun>();
  private readonly watchers = new Set<Promise<void>>();
  /** Resolved when a person decided on a run's plan (approve, reject, cancel). */
  private readonly decided = new Map<string, () => void>();

  constructor(
    private readonly store: Store,
    private readonly hub: EventHub,
    private readonly runner: () => AgentRunner,
    private readonly defaultAgent: () => Promise<Task['agent']>,
    private readonly workspacesDir: string,
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
      ...(change.title === undefined ? {} : { title: change.title }),
      ...(change.prompt === undefined ? {} : { prompt: change.prompt }),
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
    const watcher = this.watch(started.id, run).finally(() => this.watchers.delete(watcher));
    this.watchers.add(watcher);
    return started;
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

  /** After a crash: runs the store still shows as active did not survive. */
  async recover(): Promise<string[]> {
    const failed: string[] = [];
    for (const task of await this.store.listTasks()) {
      if (task.status !== 'in_progress' && task.status !== 'awaiting_approval') continue;
      await this.finish(
        task,
        'failed',
        'the server stopped while the agent ran; start the task again',
      );
      failed.push(task.id);
    }
    return failed;
  }

  /** Cancels every run and waits until each is recorded. */
  async close(): Promise<void> {
    await Promise.all([...this.runs.values()].map((r) => r.cancel().catch(() => undefined)));
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
      const task = await this.store.getTask(taskId);
      if (task) await this.setStatus(task, 'awaiting_approval');
      const decision = new Promise<void>((resolve) => this.decided.set(run.taskId, resolve));
      await Promise.race([decision, run.finished()]);
      this.decided.delete(run.taskId);
    }
    const record = await run.finished();
    await pump.catch(() => undefined);
    this.runs.delete(run.taskId);
    await this.record(taskId, run.taskId, record);
  }

  private async record(taskId: string, runId: string, record: AgentRunRecord): Promise<void> {
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
      : record.error
        ? `${record.error.code}: ${record.error.message}`
        : record.state;
    await this.finish({ ...task, usage }, ok ? 'done' : 'failed', error);
  }
}
