import { randomBytes } from 'node:crypto';
import { createOrchestrator, type TaskPhase, type TaskRecord } from '@corral/orchestrator';
import {
  AbortedError,
  CorralError,
  providerCreateOptions,
  type TaskResult,
  compact,
} from '@corral/sdk';
import type { CliContext } from '../context.js';
import { createUi } from '../output/ui.js';
import type { Ui } from '../output/ui.js';
import { parseDuration } from '../parse/duration.js';
import { toCreateOptions } from './create-options.js';
import type { CreateFlags } from './create-flags.js';
import { exitCodeOf } from './exec-core.js';
import { withProvider } from './lifecycle.js';
import { withKubernetes } from '../kube/provider.js';
import { ExitCode } from '../exit-codes.js';

export interface TaskRunFlags extends CreateFlags {
  message: string;
  command?: string;
  taskId?: string;
  timeout?: string;
  json: boolean;
}

/**
 * `corral task run`: the seeds' flow, through the orchestrator. A fresh sandbox gets one task
 * (`POST /task`); completion comes from the runner's result or, on Kubernetes, from the claim's
 * `Finished` condition (a one-shot runner exits with its task); logs are read before the sandbox
 * is removed. Exits with the task's exit code.
 */
export async function taskRunCommand(flags: TaskRunFlags, ctx: CliContext): Promise<number> {
  const ui = createUi(ctx, { json: flags.json });
  const createOptions = toCreateOptions(flags);
  const timeoutMs =
    flags.timeout === undefined ? undefined : parseDuration(flags.timeout, '--timeout');
  const taskID = flags.taskId ?? `task-${randomBytes(4).toString('hex')}`;
  const kctx = withKubernetes(ctx, flags);
  const variant =
    createOptions.isolation === undefined ? {} : { isolation: createOptions.isolation };
  return withProvider(
    kctx,
    flags.provider,
    async (provider) => {
      const orchestrator = createOrchestrator({
        provider,
        concurrency: 1,
        sweepOnStart: false,
        sweepIntervalMs: 0,
        sandboxDefaults: providerCreateOptions(createOptions),
      });
      const spinner = ui.spin(`Running task ${taskID}…`);
      let record: TaskRecord;
      try {
        record = await orchestrator.runTask(
          compact({
            taskID,
            message: flags.message,
            command: flags.command,
            timeoutMs,
          }),
          { signal: ctx.signal },
        );
      } finally {
        spinner.stop();
        await orchestrator.close();
      }
      if (record.state === 'cancelled') {
        throw new AbortedError(`Task ${taskID} was cancelled; its sandbox was removed.`);
      }
      if (record.failure !== undefined && record.exitCode === undefined) {
        throw new CorralError(
          `Task ${taskID} failed while ${phaseWords[record.failure.phase]}: ${record.failure.message}`,
          { code: record.failure.code },
        );
      }
      const exitCode = record.result
        ? exitCodeOf(record.result)
        : (record.exitCode ?? (record.state === 'timed-out' ? ExitCode.TIMEOUT : ExitCode.FAILURE));
      if (ui.json) {
        ui.result(
          compact({
            ok: true,
            sandboxId: record.sandboxId,
            taskID,
            exitCode,
            state: record.state,
            result: record.result,
            phases: record.phases,
            completedBy: record.completedBy,
          }),
        );
      } else {
        printRecord(ui, record, exitCode);
        if (flags.command === undefined) ui.status(NO_COMMAND_NOTE);
      }
      return exitCode;
    },
    variant,
  );
}

/** Without --command the task runs only what the runner was configured with; say so. */
export const NO_COMMAND_NOTE =
  "Note: no --command was given, so the task ran the runner's default task command (CORRAL_RUNNER_TASK_COMMAND, set by a template) if it has one; local sandboxes have none, so nothing ran and the task was recorded as done. Pass --command '<shell>' to run something.";

const phaseWords: Record<TaskPhase, string> = {
  queued: 'queued',
  provision: 'creating the sandbox',
  reachable: 'reaching the runner',
  accepted: 'submitting the task',
  run: 'running',
  logs: 'reading the logs',
  cleanup: 'removing the sandbox',
};

function printRecord(ui: Ui, record: TaskRecord, exitCode: number): void {
  const result: TaskResult | undefined = record.result;
  const how = result?.timedOut
    ? 'timed out'
    : result?.signal
      ? `killed by ${result.signal}`
      : `exited ${String(result ? result.exitCode : exitCode)}`;
  const seconds = ((result?.durationMs ?? record.phases.runMs) / 1000).toFixed(2);
  const colour = exitCode === 0 ? 'green' : 'red';
  ui.data(ui.paint(colour, `Task ${record.taskID} ${how} in ${seconds} s`));
  const p = record.phases;
  ui.data(
    ui.paint(
      'dim',
      `sandbox ${p.provisionMs.toFixed(0)} ms, runner reachable ${p.reachableMs.toFixed(0)} ms, accepted ${p.acceptedMs.toFixed(0)} ms, run ${p.runMs.toFixed(0)} ms, cleanup ${p.cleanupMs.toFixed(0)} ms`,
    ),
  );
  if (result?.error) ui.data(ui.paint('red', `error: ${result.error}`));
  if (result) {
    section(ui, 'stdout (tail)', result.stdoutTail);
    section(ui, 'stderr (tail)', result.stderrTail);
  } else {
    section(ui, 'logs (tail)', record.logs.slice(-4096));
  }
}

function section(ui: Ui, title: string, text: string): void {
  if (text.length === 0) return;
  ui.data(ui.paint('bold', `── ${title}`));
  ui.data(text.endsWith('\n') ? text.slice(0, -1) : text);
}
