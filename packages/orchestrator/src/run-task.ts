/**
 * One task's whole flow: provision → reachable → accepted → run → logs → cleanup. Completion is
 * the runner's result or, where the provider has them, the pod's terminal conditions, whichever
 * comes first; output is captured before cleanup; cleanup always runs, on its own timeout,
 * whatever happened to the caller's signal.
 */
import type { Tracer } from '@opentelemetry/api';
import { tracePhase } from './task-tracing.js';
import {
  ConflictError,
  RunnerClient,
  compact,
  type Clock,
  type ProvisionedSandbox,
  type SandboxExit,
  type SandboxProvider,
  type TaskRequest,
  type TaskResult,
  type TaskStatus,
} from '@corral/sdk';
import { OrchestratorError, codeOf, messageOf } from './errors.js';
import { createOptionsFor, sandboxLogTail } from './provider-steps.js';
import { isTransient, submitOnce, waitReachable } from './runner-steps.js';
import type {
  Logger,
  OrchestratorOptions,
  PhaseTimings,
  Task,
  TaskFailure,
  TaskPhase,
  TaskRecord,
  TaskState,
} from './types.js';

export interface ResolvedTimeouts {
  provisionMs: number | undefined;
  reachableMs: number;
  acceptMs: number;
  runGraceMs: number;
  logsMs: number;
  cleanupMs: number;
}

export interface RunContext {
  provider: SandboxProvider;
  owner: string;
  sandboxDefaults: OrchestratorOptions['sandboxDefaults'];
  timeouts: ResolvedTimeouts;
  clock: Clock;
  logger: Logger;
  tracer: Tracer;
}

/** What `get()` shows while a task runs. */
export interface Progress {
  phase: TaskPhase;
  sandboxId: string;
}

export interface RunInput {
  taskID: string;
  sandboxId: string;
  /** Absent when adopting a sandbox found by the sweeper: its task can be watched, not submitted. */
  task: Task | undefined;
  /** The sandbox already exists (found by the sweeper); skip the create. */
  adopt: boolean;
  startedAt: Date;
  queuedMs: number;
  cancel: AbortSignal;
}

/** Largest log kept per task. */
const MAX_LOG_BYTES = 1024 * 1024;

/** Ends a step early because the pod finished first. */
class EndedFirst {
  constructor(readonly finished: SandboxExit) {}
}

type Completion =
  | { kind: 'result'; result: TaskResult }
  | { kind: 'finished'; finished: SandboxExit; result?: TaskResult };

export async function runTask(
  ctx: RunContext,
  input: RunInput,
  progress: Progress,
): Promise<TaskRecord> {
  const { provider, clock } = ctx;
  const phases = zeroPhases(input.queuedMs);
  const id = input.sandboxId;
  progress.sandboxId = id;
  // Aborted when the flow leaves the run phase, so long-polls and watches end with it.
  const flow = new AbortController();
  const signal = AbortSignal.any([input.cancel, flow.signal]);
  let adopted = input.adopt;
  let provisioned: ProvisionedSandbox | undefined;
  let runner: RunnerClient | undefined;
  let terminal: Promise<SandboxExit> | undefined;
  let completion: Completion | undefined;
  let failure: TaskFailure | undefined;
  let cancelled = false;
  let timedOut = false;
  let reachable = false;

  const step = async <T>(phase: TaskPhase, key: keyof PhaseTimings, fn: () => Promise<T>) => {
    progress.phase = phase;
    const start = clock.now();
    try {
      return await tracePhase(ctx.tracer, phase, fn);
    } finally {
      phases[key] = clock.now() - start;
    }
  };
  /** Races a step against the pod finishing (Kubernetes); the finish wins as `EndedFirst`. */
  const orEnded = <T>(work: Promise<T>): Promise<T | EndedFirst> =>
    terminal === undefined ? work : Promise.race([work, terminal.then((f) => new EndedFirst(f))]);

  try {
    // ---- provision
    provisioned = await step('provision', 'provisionMs', async () => {
      if (input.adopt) return adoptExisting(ctx, id);
      try {
        return await provider.create(
          createOptionsFor(
            input.task!,
            id,
            ctx.owner,
            ctx.sandboxDefaults,
            ctx.timeouts.provisionMs,
            signal,
          ),
        );
      } catch (error) {
        // Same task id, same sandbox id: someone (an earlier incarnation) already made it.
        if (!(error instanceof ConflictError)) throw error;
        ctx.logger('info', 'sandbox exists already; adopting it', { taskID: input.taskID, id });
        adopted = true;
        return adoptExisting(ctx, id);
      }
    });
    terminal = provider.waitTerminal?.(id, { signal });
    // A step that loses the race leaves this promise unobserved.
    terminal?.catch(() => undefined);

    // ---- reachable
    runner = new RunnerClient(provisioned.endpoint);
    const client = runner;
    const reached = await step('reachable', 'reachableMs', () =>
      orEnded(waitReachable(client, ctx.timeouts.reachableMs, signal, clock)),
    );
    if (reached instanceof EndedFirst) {
      completion = { kind: 'finished', finished: reached.finished };
    } else {
      reachable = true;
      // ---- accepted
      const accepted = await step('accepted', 'acceptedMs', () =>
        orEnded(accept(ctx, client, input, adopted, signal)),
      );
      if (accepted instanceof EndedFirst) {
        completion = { kind: 'finished', finished: accepted.finished };
      } else if (accepted.state === 'exited' && accepted.result) {
        completion = { kind: 'result', result: accepted.result };
      }
    }
    // ---- run
    if (completion === undefined) {
      completion = await step('run', 'runMs', () =>
        waitCompletion(ctx, client, terminal, input.task?.timeoutMs, signal, () => {
          timedOut = true;
        }),
      );
    } else if (completion.kind === 'finished' && !adopted) {
      throw new OrchestratorError(
        `The sandbox's pod ended (${completion.finished.reason}${completion.finished.message ? `: ${completion.finished.message}` : ''}) before the runner accepted the task.`,
        { code: 'POD_ENDED_EARLY' },
      );
    }
  } catch (error) {
    if (input.cancel.aborted) {
      cancelled = true;
      failure = {
        code: 'CANCELLED',
        message: `Task ${input.taskID} was cancelled in phase ${progress.phase}.`,
        phase: progress.phase,
      };
    } else if (timedOut) {
      failure = {
        code: 'TASK_TIMEOUT',
        message: `The runner reported no result within the task's timeoutMs (${input.task?.timeoutMs} ms) plus ${ctx.timeouts.runGraceMs} ms.`,
        phase: 'run',
      };
    } else {
      failure = { code: codeOf(error), message: messageOf(error), phase: progress.phase };
    }
  }
  flow.abort();

  // ---- logs (before cleanup: afterwards there is nothing left to read)
  let logs = '';
  let podLogs: string | undefined;
  const outputTail = completion?.result
    ? completion.result.stdoutTail + completion.result.stderrTail
    : '';
  if (provisioned !== undefined) {
    const taskOutput = runner && reachable ? runner : undefined;
    await step('logs', 'logsMs', async () => {
      const budget = AbortSignal.timeout(ctx.timeouts.logsMs);
      const [output, pod] = await Promise.all([
        taskOutput ? captureTaskOutput(taskOutput, budget) : undefined,
        sandboxLogTail(provider, id, MAX_LOG_BYTES, budget).catch((error: unknown) => {
          ctx.logger('warn', 'reading pod logs failed', { id, error: messageOf(error) });
          return undefined;
        }),
      ]);
      podLogs = pod;
      logs = output ?? pod ?? outputTail;
    });
  }
  runner?.close();

  // ---- cleanup (always; independent of the caller's signal)
  let cleanupError: string | undefined;
  await step('cleanup', 'cleanupMs', async () => {
    try {
      await provider.delete(id, { signal: AbortSignal.timeout(ctx.timeouts.cleanupMs) });
    } catch (error) {
      cleanupError = messageOf(error);
      ctx.logger('error', 'deleting the sandbox failed; the sweeper will retry', {
        taskID: input.taskID,
        id,
        error: cleanupError,
      });
    }
  });

  let outcome: Outcome;
  if (failure !== undefined) {
    const state = cancelled
      ? 'cancelled'
      : failure.code === 'TASK_TIMEOUT'
        ? 'timed-out'
        : 'failed';
    outcome = { state, failure };
  } else {
    outcome = judge(completion!);
  }
  return {
    taskID: input.taskID,
    sandboxId: provisioned === undefined && !adopted ? '' : id,
    state: outcome.state,
    phases,
    startedAt: input.startedAt,
    finishedAt: new Date(),
    logs,
    outputTail,
    ...compact({
      exitCode: outcome.exitCode,
      failure: outcome.failure,
      podLogs,
      completedBy: completion && completedBy(completion),
      result: completion?.kind === 'result' ? completion.result : undefined,
      adopted: adopted ? true : undefined,
      cleanupError,
    }),
  };
}

function completedBy(completion: Completion): 'runner' | 'conditions' {
  return completion.kind === 'result' ? 'runner' : 'conditions';
}

/** Phase timings of a task that spent `queuedMs` in the queue and reached no phase yet. */
export function zeroPhases(queuedMs: number): PhaseTimings {
  return {
    queuedMs,
    provisionMs: 0,
    reachableMs: 0,
    acceptedMs: 0,
    runMs: 0,
    logsMs: 0,
    cleanupMs: 0,
  };
}

async function adoptExisting(ctx: RunContext, id: string): Promise<ProvisionedSandbox> {
  const found = await ctx.provider.get(id);
  if (found === undefined) {
    throw new OrchestratorError(
      `Sandbox ${id} vanished while being adopted (deleted by its owner or the sweeper).`,
      { code: 'SANDBOX_GONE', retryable: true },
    );
  }
  return found;
}

/**
 * Hands the runner the task, or for an adopted sandbox finds out where its task is. Returns
 * the runner's task status when it is already known to be running or exited.
 */
async function accept(
  ctx: RunContext,
  runner: RunnerClient,
  input: RunInput,
  adopted: boolean,
  signal: AbortSignal,
): Promise<Partial<TaskStatus>> {
  if (adopted) {
    const status = await runner.tasks.get({ signal });
    if (status.state !== 'idle') {
      if (status.task?.taskID !== input.taskID) {
        throw new OrchestratorError(
          `Sandbox ${input.sandboxId} runs task ${JSON.stringify(status.task?.taskID)}, not ${JSON.stringify(input.taskID)}.`,
          { code: 'RUNNER_HAS_OTHER_TASK' },
        );
      }
      return status;
    }
    if (input.task === undefined) {
      throw new OrchestratorError(
        `Sandbox ${input.sandboxId} of task ${input.taskID} was never given its task, and the task's message is unknown after a restart; deleting it.`,
        { code: 'ADOPTED_IDLE' },
      );
    }
  }
  const task = input.task!;
  const request: TaskRequest = {
    taskID: task.taskID,
    message: task.message,
    ...compact({ command: task.command, env: task.env, cwd: task.cwd, timeoutMs: task.timeoutMs }),
  };
  await submitOnce(runner, request, ctx.timeouts.acceptMs, signal, ctx.clock);
  return { state: 'running' };
}

/**
 * The runner's result (long-poll, no sleeping) or the pod's terminal conditions, whichever comes
 * first. When the runner becomes unreachable (a one-shot runner exits with its task) the
 * conditions decide alone.
 */
async function waitCompletion(
  ctx: RunContext,
  runner: RunnerClient,
  terminal: Promise<SandboxExit> | undefined,
  timeoutMs: number | undefined,
  signal: AbortSignal,
  onTimeout: () => void,
): Promise<Completion> {
  const fromRunner: Promise<Completion | undefined> = runner.tasks.wait({ signal }).then(
    (result) => ({ kind: 'result', result }),
    (error: unknown) => {
      if (terminal !== undefined && isTransient(error) && !signal.aborted) return undefined;
      throw error;
    },
  );
  const fromConditions = terminal?.then((finished): Completion => ({ kind: 'finished', finished }));
  const racers: Promise<Completion | undefined>[] = [fromRunner];
  if (fromConditions) racers.push(fromConditions);
  const deadline =
    timeoutMs === undefined
      ? undefined
      : ctx.clock.sleep(timeoutMs + ctx.timeouts.runGraceMs, signal).then(() => {
          onTimeout();
          throw new OrchestratorError('task deadline passed', { code: 'TASK_TIMEOUT' });
        });
  deadline?.catch(() => undefined);
  if (deadline) racers.push(deadline);
  const first = await Promise.race(racers);
  if (first !== undefined) return first;
  // the runner went away first: only the conditions (or the deadline) can end the task now
  return Promise.race([fromConditions!, ...(deadline ? [deadline] : [])]);
}

/**
 * The task's whole buffered output (stdout and stderr interleaved as they came), replayed from
 * the runner's buffer, which holds more than the result's tail.
 */
async function captureTaskOutput(
  runner: RunnerClient,
  signal: AbortSignal,
): Promise<string | undefined> {
  try {
    const status = await runner.tasks.get({ signal });
    if (status.commandId === undefined) return undefined;
    let text = '';
    const append = (chunk: string): void => {
      text += chunk;
      if (text.length > 2 * MAX_LOG_BYTES) text = text.slice(-MAX_LOG_BYTES);
    };
    const handle = await runner.commands.connect(status.commandId, {
      signal,
      onStdout: append,
      onStderr: append,
    });
    // cancelled or given up on: end the process so its output ends (the sandbox goes next anyway)
    if (status.state === 'running') await handle.kill('SIGKILL', { signal });
    await handle.wait();
    return text.length > MAX_LOG_BYTES ? text.slice(-MAX_LOG_BYTES) : text;
  } catch {
    return undefined;
  }
}

interface Outcome {
  state: TaskState;
  exitCode?: number | null;
  failure?: TaskFailure;
}

function judge(completion: Completion): Outcome {
  if (completion.kind === 'finished') {
    const { succeeded, message } = completion.finished;
    if (succeeded) return { state: 'succeeded', exitCode: 0 };
    return {
      state: 'failed',
      failure: {
        code: 'POD_FAILED',
        message: `The sandbox's pod failed${message ? `: ${message}` : ''}.`,
        phase: 'run',
      },
    };
  }
  const r = completion.result;
  if (r.timedOut) {
    return {
      state: 'timed-out',
      exitCode: r.exitCode,
      failure: {
        code: 'TASK_TIMEOUT',
        message: `The task ran past its timeoutMs and was killed after ${r.durationMs} ms.`,
        phase: 'run',
      },
    };
  }
  if (r.error !== undefined) {
    return {
      state: 'failed',
      exitCode: r.exitCode,
      failure: { code: 'TASK_START_FAILED', message: r.error, phase: 'run' },
    };
  }
  if (r.exitCode === 0) return { state: 'succeeded', exitCode: 0 };
  return {
    state: 'failed',
    exitCode: r.exitCode,
    failure: {
      code: 'TASK_EXIT_NONZERO',
      message:
        r.exitCode === null
          ? `The task was killed by ${r.signal ?? 'a signal'}.`
          : `The task exited with code ${r.exitCode}.`,
      phase: 'run',
    },
  };
}
