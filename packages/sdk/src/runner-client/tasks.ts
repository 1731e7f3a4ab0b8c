import type { TaskAccepted, TaskRequest, TaskResult, TaskStatus } from '@corral/runner';
import { compact } from '../compact.js';
import { TimeoutError } from '../errors.js';
import type { Transport } from './transport.js';

export type { TaskAccepted, TaskRequest, TaskResult, TaskStatus } from '@corral/runner';

/** One long-poll; below typical proxy timeouts (sandbox-router: 180 s). */
const LONG_POLL_MS = 30_000;

export class Tasks {
  /** @internal */
  constructor(private readonly transport: Transport) {}

  /**
   * Hands the runner its task. Never retried: once sent, it may have been accepted; a second
   * submit answers `ConflictError` (`TASK_ALREADY_ASSIGNED`).
   */
  async submit(task: TaskRequest, options: { signal?: AbortSignal } = {}): Promise<TaskAccepted> {
    return this.transport.json<TaskAccepted>(
      compact({
        method: 'POST',
        path: '/task',
        body: JSON.stringify(task),
        headers: { 'content-type': 'application/json' },
        operation: `tasks.submit(${JSON.stringify(task.taskID)})`,
        signal: options.signal,
      }),
    );
  }

  async get(options: { signal?: AbortSignal } = {}): Promise<TaskStatus> {
    return this.transport.json<TaskStatus>(
      compact({
        method: 'GET',
        path: '/task',
        idempotent: true,
        operation: 'tasks.get()',
        signal: options.signal,
      }),
    );
  }

  /**
   * Resolves with the result when the task ends. Long-polls `GET /task?wait=true` (the runner
   * answers the moment the task ends), so it never sleeps between requests.
   */
  async wait(options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<TaskResult> {
    const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new TimeoutError(
          `tasks.wait(): the task did not end within ${options.timeoutMs} ms.`,
        );
      }
      const waitMs = Math.min(LONG_POLL_MS, remaining);
      const status = await this.transport.json<TaskStatus>(
        compact({
          method: 'GET',
          path: '/task',
          query: { wait: true, waitMs: Math.ceil(waitMs) },
          idempotent: true,
          timeoutMs: waitMs + 10_000,
          operation: 'tasks.wait()',
          signal: options.signal,
        }),
      );
      if (status.state === 'exited' && status.result) return status.result;
    }
  }
}
