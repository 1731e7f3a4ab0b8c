/**
 * The two runner exchanges that need care: waiting until the runner answers, and handing it the
 * task exactly once. `POST /task` is retried only until the runner has accepted it; a 409 after
 * an unanswered attempt means that attempt landed (checked against the runner's task id), so a
 * task is never accepted twice.
 */
import type { Clock } from '@corral/sdk';
import {
  ConflictError,
  ConnectionError,
  CorralError,
  TimeoutError,
  type RunnerClient,
  type TaskRequest,
} from '@corral/sdk';
import { OrchestratorError, messageOf } from './errors.js';

const BACKOFF_MS = [25, 50, 100, 200, 400, 800];

function backoff(attempt: number): number {
  return BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)]!;
}

/** Failures after which the same request may succeed: the runner is not (yet) reachable. */
export function isTransient(error: unknown): boolean {
  if (error instanceof ConnectionError || error instanceof TimeoutError) return true;
  if (!(error instanceof CorralError)) return false;
  const status = error.httpStatus;
  return error.retryable && (status === 502 || status === 503 || status === 504);
}

/** Resolves once `GET /healthz` answers; retries transient failures until `timeoutMs`. */
export async function waitReachable(
  runner: RunnerClient,
  timeoutMs: number,
  signal: AbortSignal,
  clock: Clock,
): Promise<void> {
  const deadline = clock.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    const remaining = deadline - clock.now();
    try {
      await runner.health({ signal, timeoutMs: Math.max(1, Math.min(remaining, 5_000)) });
      return;
    } catch (error) {
      signal.throwIfAborted();
      const left = deadline - clock.now();
      if (!isTransient(error) || left <= 0) {
        throw new OrchestratorError(
          `The runner did not answer within ${timeoutMs} ms (${messageOf(error)}). Check that the sandbox image runs Corral's runner on the expected port, or raise timeouts.reachableMs.`,
          { code: 'RUNNER_UNREACHABLE', retryable: true, cause: error },
        );
      }
      await clock.sleep(Math.min(backoff(attempt), left), signal);
    }
  }
}

/**
 * `POST /task` until accepted. Retries connection failures, timeouts and gateway errors (the
 * request may or may not have landed); a later 409 whose task id is ours is the earlier
 * attempt's acceptance. Any other answer ends the retries.
 */
export async function submitOnce(
  runner: RunnerClient,
  request: TaskRequest,
  timeoutMs: number,
  signal: AbortSignal,
  clock: Clock,
): Promise<void> {
  const deadline = clock.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      await runner.tasks.submit(request, { signal });
      return;
    } catch (error) {
      signal.throwIfAborted();
      if (error instanceof ConflictError && error.code === 'TASK_ALREADY_ASSIGNED') {
        const status = await runner.tasks.get({ signal });
        if (status.task?.taskID === request.taskID) return;
        throw new OrchestratorError(
          `The sandbox's runner already runs another task (${JSON.stringify(status.task?.taskID)}), not ${JSON.stringify(request.taskID)}.`,
          { code: 'RUNNER_HAS_OTHER_TASK', cause: error },
        );
      }
      const left = deadline - clock.now();
      if (!isTransient(error) || left <= 0) throw error;
      await clock.sleep(Math.min(backoff(attempt), left), signal);
    }
  }
}
