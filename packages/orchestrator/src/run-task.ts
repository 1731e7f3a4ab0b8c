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
  type TaskStatus,
} from '@corral/sdk';
import { OrchestratorError, codeOf, messageOf } from './errors.js';
import { createOptionsFor, sandboxLogTail } from './provider-steps.js';
import { completedBy, outcomeOf, type Completion, type FlowFailure } from './task-outcome.js';
import { isTransient, submitOnce, waitReachable } from './runner-steps.js';
import type {
  Logger,
  OrchestratorOptions,
  PhaseTimings,
  Task,
  TaskPhase,
  TaskRecord,
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

/** Runs one phase: shown as `progress.phase`, traced, its duration kept in `phases[key]`. */
type PhaseStep = <T>(phase: TaskPhase, key: keyof PhaseTimings, fn: () => Promise<T>) => Promise<T>;

/** What the phases learn on the way, read by the logs, cleanup and the record afterwards. */
interface FlowState {
  adopted: boolean;
  provisioned?: ProvisionedSandbox;
  runner?: RunnerClient;
  reachable: boolean;
  completion?: Completion | undefined;
  timedOut: boolean;
}

export async function runTask(
  ctx: RunContext,
  input: RunInput,
  progress: Progress,
): Promise<TaskRecord> {
  const phases = zeroPhases(input.queuedMs);
  progress.sandboxId = input.sandboxId;
  const step = phaseStep(ctx, progress, phases);
  const state: FlowState = { adopted: input.adopt, reachable: false, timedOut: false };
  const failed = await provisionAndRun(ctx, input, progress, step, state);
  // ---- logs (before cleanup: afterwards there is nothing left to read)
  const output = await collectLogs(ctx, input.sandboxId, state, step);
  state.runner?.close();
  // ---- cleanup (always; independent of the caller's signal)
  const cleanupError = await deleteSandbox(ctx, input, step);

  const { completion, adopted } = state;
  const outcome = outcomeOf(failed, completion);
  return {
    taskID: input.taskID,
    sandboxId: state.provisioned === undefined && !adopted ? '' : input.sandboxId,
    state: outcome.state,
    phases,
    startedAt: input.startedAt,
    finishedAt: new Date(),
    logs: output.logs,
    outputTail: output.outputTail,
    ...compact({
      exitCode: outcome.exitCode,
      failure: outcome.failure,
      podLogs: output.podLogs,
      completedBy: completion && completedBy(completion),
      result: completion?.kind === 'result' ? completion.result : undefined,
      adopted: adopted ? true : undefined,
      cleanupError,
    }),
  };
}

function phaseStep(ctx: RunContext, progress: Progress, phases: PhaseTimings): PhaseStep {
  return async (phase, key, fn) => {
    progress.phase = phase;
    const start = ctx.clock.now();
    try {
      return await tracePhase(ctx.tracer, phase, fn);
    } finally {
      phases[key] = ctx.clock.now() - start;
    }
  };
}

/**
 * Provision → reachable → accepted → run, on a signal that also ends when the flow leaves the
 * run phase, so long-polls and watches end with it. Returns why the flow failed, if it did.
 */
async function provisionAndRun(
  ctx: RunContext,
  input: RunInput,
  progress: Progress,
  step: PhaseStep,
  state: FlowState,
): Promise<FlowFailure | undefined> {
  const flow = new AbortController();
  const signal = AbortSignal.any([input.cancel, flow.signal]);
  let failed: FlowFailure | undefined;
  try {
    await runPhases(ctx, input, step, state, signal);
  } catch (error) {
    failed = flowFailure(ctx, input, progress.phase, state.timedOut, error);
  }
  flow.abort();
  return failed;
}

async function runPhases(
  ctx: RunContext,
  input: RunInput,
  step: PhaseStep,
  state: FlowState,
  signal: AbortSignal,
): Promise<void> {
  const id = input.sandboxId;
  // ---- provision
  const provisioned = await step('provision', 'provisionMs', () =>
    provision(ctx, input, state, signal),
  );
  state.provisioned = provisioned;
  const terminal = ctx.provider.waitTerminal?.(id, { signal });
  // A step that loses the race leaves this promise unobserved.
  terminal?.catch(() => undefined);
  /** Races a step against the pod finishing (Kubernetes); the finish wins as `EndedFirst`. */
  const orEnded = <T>(work: Promise<T>): Promise<T | EndedFirst> =>
    terminal === undefined ? work : Promise.race([work, terminal.then((f) => new EndedFirst(f))]);

  // ---- reachable
  const client = new RunnerClient(provisioned.endpoint);
  state.runner = client;
  const reached = await step('reachable', 'reachableMs', () =>
    orEnded(waitReachable(client, ctx.timeouts.reachableMs, signal, ctx.clock)),
  );
  let completion: Completion | undefined;
  if (reached instanceof EndedFirst) {
    completion = { kind: 'finished', finished: reached.finished };
  } else {
    state.reachable = true;
    // ---- accepted
    const accepted = await step('accepted', 'acceptedMs', () =>
      orEnded(accept(ctx, client, input, state.adopted, signal)),
    );
    if (accepted instanceof EndedFirst) {
      completion = { kind: 'finished', finished: accepted.finished };
    } else if (accepted.state === 'exited' && accepted.result) {
      completion = { kind: 'result', result: accepted.result };
    }
  }
  state.completion = completion;
  // ---- run
  if (completion === undefined) {
    state.completion = await step('run', 'runMs', () =>
      waitCompletion(ctx, client, terminal, input.task?.timeoutMs, signal, () => {
        state.timedOut = true;
      }),
    );
  } else if (completion.kind === 'finished' && !state.adopted) {
    throw new OrchestratorError(
      `The sandbox's pod ended (${completion.finished.reason}${completion.finished.message ? `: ${completion.finished.message}` : ''}) before the runner accepted the task.`,
      { code: 'POD_ENDED_EARLY' },
    );
  }
}

/** Creates the task's sandbox, or adopts it when it exists already (found, or a conflict). */
async function provision(
  ctx: RunContext,
  input: RunInput,
  state: FlowState,
  signal: AbortSignal,
): Promise<ProvisionedSandbox> {
  const id = input.sandboxId;
  if (input.adopt) return adoptExisting(ctx, id);
  try {
    return await ctx.provider.create(
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
    state.adopted = true;
    return adoptExisting(ctx, id);
  }
}

/** Why the flow failed: the caller cancelled, the task's deadline passed, or what was thrown. */
function flowFailure(
  ctx: RunContext,
  input: RunInput,
  phase: TaskPhase,
  timedOut: boolean,
  error: unknown,
): FlowFailure {
  if (input.cancel.aborted) {
    const message = `Task ${input.taskID} was cancelled in phase ${phase}.`;
    return { cancelled: true, failure: { code: 'CANCELLED', message, phase } };
  }
  if (timedOut) {
    const message = `The runner reported no result within the task's timeoutMs (${input.task?.timeoutMs} ms) plus ${ctx.timeouts.runGraceMs} ms.`;
    return { cancelled: false, failure: { code: 'TASK_TIMEOUT', message, phase: 'run' } };
  }
  return {
    cancelled: false,
    failure: { code: codeOf(error), message: messageOf(error), phase },
  };
}

interface TaskOutput {
  logs: string;
  podLogs?: string | undefined;
  outputTail: string;
}

/** The task's output and the pod's log tail, read within `logsMs` from what is still there. */
async function collectLogs(
  ctx: RunContext,
  id: string,
  state: FlowState,
  step: PhaseStep,
): Promise<TaskOutput> {
  const { completion, runner } = state;
  const outputTail = completion?.result
    ? completion.result.stdoutTail + completion.result.stderrTail
    : '';
  const collected: TaskOutput = { logs: '', outputTail };
  if (state.provisioned === undefined) return collected;
  const taskOutput = runner && state.reachable ? runner : undefined;
  await step('logs', 'logsMs', async () => {
    const budget = AbortSignal.timeout(ctx.timeouts.logsMs);
    const [output, pod] = await Promise.all([
      taskOutput ? captureTaskOutput(taskOutput, budget) : undefined,
      sandboxLogTail(ctx.provider, id, MAX_LOG_BYTES, budget).catch((error: unknown) => {
        ctx.logger('warn', 'reading pod logs failed', { id, error: messageOf(error) });
        return undefined;
      }),
    ]);
    collected.podLogs = pod;
    collected.logs = output ?? pod ?? outputTail;
  });
  return collected;
}

/** Deletes the sandbox on its own timeout; a failure is logged and returned, never thrown. */
async function deleteSandbox(
  ctx: RunContext,
  input: RunInput,
  step: PhaseStep,
): Promise<string | undefined> {
  const id = input.sandboxId;
  let cleanupError: string | undefined;
  await step('cleanup', 'cleanupMs', async () => {
    try {
      await ctx.provider.delete(id, { signal: AbortSignal.timeout(ctx.timeouts.cleanupMs) });
    } catch (error) {
      cleanupError = messageOf(error);
      ctx.logger('error', 'deleting the sandbox failed; the sweeper will retry', {
        taskID: input.taskID,
        id,
        error: cleanupError,
      });
    }
  });
  return cleanupError;
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
