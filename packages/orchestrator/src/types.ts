import type { TracerProvider } from '@opentelemetry/api';
import type { Clock, ProviderCreateOptions, SandboxProvider, TaskResult } from '@corral/sdk';
import type { TaskFailureCode } from './errors.js';

/** One unit of work: one sandbox, one `POST /task`, one record. */
export interface Task {
  /** Idempotency key: the same id never makes two sandboxes. A label value (≤ 63 of `A-Za-z0-9._-`). */
  taskID: string;
  /** Handed to the task as `CORRAL_TASK_MESSAGE`. */
  message: string;
  /** Argv, or a string run with `/bin/sh -c`; default: the runner's `CORRAL_RUNNER_TASK_COMMAND`. */
  command?: string[] | string;
  /** Environment of the task's process (not of the sandbox, so warm starts stay possible). */
  env?: Record<string, string>;
  /** Relative to the sandbox's work directory. */
  cwd?: string;
  /** Budget of the task's process; the runner kills it afterwards (state `timed-out`). */
  timeoutMs?: number;
  /** Extra labels on the sandbox (Corral's own `corral.dev/` keys are set by the orchestrator). */
  labels?: Record<string, string>;
}

export type TaskState = 'succeeded' | 'failed' | 'cancelled' | 'timed-out';

/** Where a task was when it ended or failed. */
export type TaskPhase =
  'queued' | 'provision' | 'reachable' | 'accepted' | 'run' | 'logs' | 'cleanup';

export interface TaskFailure {
  /** Stable UPPER_SNAKE code, e.g. `TASK_EXIT_NONZERO`, `RUNNER_UNREACHABLE`, `POD_FAILED`. */
  code: TaskFailureCode;
  message: string;
  phase: TaskPhase;
}

/** Milliseconds spent in each phase (0 for phases the task did not reach). */
export interface PhaseTimings {
  /** Waiting for a free slot under the concurrency limit. */
  queuedMs: number;
  /** `provider.create`: claim → Ready on Kubernetes, process → listening locally. */
  provisionMs: number;
  /** Ready → the runner answers `/healthz`. */
  reachableMs: number;
  /** `POST /task` until the runner accepted it. */
  acceptedMs: number;
  /** Accepted → completion (runner result or the pod's terminal condition). */
  runMs: number;
  /** Capturing output and pod logs, before cleanup. */
  logsMs: number;
  /** Deleting the sandbox. */
  cleanupMs: number;
}

export interface TaskRecord {
  taskID: string;
  /** Empty when the task never got a sandbox (cancelled while queued, create failed early). */
  sandboxId: string;
  state: TaskState;
  /** The task process's exit code, when known (null: killed by a signal or never started). */
  exitCode?: number | null;
  failure?: TaskFailure;
  phases: PhaseTimings;
  startedAt: Date;
  finishedAt: Date;
  /** Output captured before cleanup: the task's full buffered output, or the pod's log. */
  logs: string;
  /** Last bytes of stdout then stderr, as the runner reported them. */
  outputTail: string;
  /** The pod's log (Kubernetes), read before cleanup. */
  podLogs?: string;
  /** How completion was detected. */
  completedBy?: 'runner' | 'conditions';
  /** The runner's own result (exit code, signal, timings, output tails) when it reported one. */
  result?: TaskResult;
  /** True when this orchestrator took the sandbox over from an earlier incarnation. */
  adopted?: boolean;
  /** Set when deleting the sandbox failed; the sweeper retries. */
  cleanupError?: string;
}

export interface RunTaskOptions {
  /** Aborting cancels the task: it ends as `cancelled` and its sandbox is deleted. */
  signal?: AbortSignal;
}

/** A submitted task: wait for its record or cancel it. */
export interface TaskHandle {
  readonly taskID: string;
  wait(): Promise<TaskRecord>;
  /** Cancels the task (queued: never starts; running: its sandbox is deleted). Idempotent. */
  cancel(): void;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type Logger = (level: LogLevel, message: string, fields?: Record<string, unknown>) => void;

export interface OrchestratorTimeouts {
  /** Budget of `provider.create` (claim → Ready). @default the provider's own default */
  provisionMs?: number;
  /** Ready → runner answers. @default 30 000 */
  reachableMs?: number;
  /** Retrying `POST /task` on connection errors until accepted. @default 30 000 */
  acceptMs?: number;
  /** Extra wait beyond a task's `timeoutMs` before the orchestrator gives up on the runner. @default 10 000 */
  runGraceMs?: number;
  /** Capturing output and pod logs. @default 5 000 */
  logsMs?: number;
  /** Deleting a sandbox; independent of any caller's signal. @default 30 000 */
  cleanupMs?: number;
}

export interface OrchestratorOptions {
  /** Where sandboxes run: a provider instance, or `'local'` (made and closed by the orchestrator). */
  provider: SandboxProvider | 'local';
  /** Tasks running at once; the rest wait in a FIFO queue. @default 4 */
  concurrency?: number;
  /**
   * This orchestrator's identity, written on every sandbox (`corral.dev/owner`). An orchestrator
   * started with the same owner after a crash adopts what the earlier one left. It is passed to
   * every `provider.create` as `owner`. @default the provider's owner, else `<hostname>-<pid>`
   */
  owner?: string;
  /** Options for every `provider.create` (network, limits, warmPool on Kubernetes, ...). */
  sandboxDefaults?: Omit<ProviderCreateOptions, 'id' | 'signal'> & Record<string, unknown>;
  timeouts?: OrchestratorTimeouts;
  /** Interval of the background sweep; 0 disables it (call `sweep()` yourself). @default 60 000 */
  sweepIntervalMs?: number;
  /** Run a sweep (adopt or clean up what an earlier incarnation left) on creation. @default true */
  sweepOnStart?: boolean;
  /**
   * Whether another orchestrator (by owner id) is alive. Sandboxes of owners reported gone are
   * deleted by the sweeper. @default every other owner is alive (their sandboxes are left alone)
   */
  isOwnerAlive?: (owner: string) => boolean | Promise<boolean>;
  /** Finished records kept for `get()`/`list()` and idempotency. @default 10 000 */
  retainRecords?: number;
  /** Time source for waits and the sweep interval (tests). */
  clock?: Clock;
  logger?: Logger;
  /**
   * OpenTelemetry: a `corral.task` span per run with its phases as children. @default the
   * global provider of `@opentelemetry/api` (a no-op unless an SDK is registered)
   */
  tracerProvider?: TracerProvider;
}

export interface SweepReport {
  /** Sandboxes of this owner whose task was still running (or finished unread): re-attached. */
  adopted: string[];
  /** Sandboxes deleted: task ended, unknown, or owner gone. */
  deleted: string[];
  /** Deletes that failed (retried on the next sweep). */
  failed: { sandboxId: string; message: string }[];
}

export interface TaskSummary {
  taskID: string;
  sandboxId: string;
  status: 'queued' | 'running' | 'finished';
  phase: TaskPhase;
  record?: TaskRecord;
}
