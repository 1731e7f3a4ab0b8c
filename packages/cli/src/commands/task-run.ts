import { randomBytes } from 'node:crypto';
import type { CliContext } from '../context.js';
import { createUi } from '../output/ui.js';
import type { Ui } from '../output/ui.js';
import { parseDuration } from '../parse/duration.js';
import { toCreateOptions } from './create-flags.js';
import type { CreateFlags } from './create-flags.js';
import { exitCodeOf } from './exec-core.js';
import { withTemporarySandbox } from './lifecycle.js';
import { withKubernetes } from '../kube/provider.js';

export interface TaskRunFlags extends CreateFlags {
  message: string;
  command?: string;
  taskId?: string;
  timeout?: string;
  json: boolean;
}

/**
 * `corral task run`: the seeds' flow. A fresh sandbox gets one task through the task protocol
 * (`POST /task`), the CLI waits for the result, prints it and removes the sandbox. Exits with
 * the task's exit code.
 */
export async function taskRunCommand(flags: TaskRunFlags, ctx: CliContext): Promise<number> {
  const ui = createUi(ctx, { json: flags.json });
  const createOptions = toCreateOptions(flags);
  const timeoutMs =
    flags.timeout === undefined ? undefined : parseDuration(flags.timeout, '--timeout');
  const taskID = flags.taskId ?? `task-${randomBytes(4).toString('hex')}`;
  const kctx = withKubernetes(ctx, flags);
  const placed =
    flags.provider === 'kubernetes'
      ? { ...createOptions, kubernetes: { taskId: taskID } }
      : createOptions;
  return withTemporarySandbox(kctx, ui, flags.provider, placed, async (sandbox) => {
    const spinner = ui.spin(`Running task ${taskID}…`);
    let result;
    try {
      await sandbox.tasks.submit(
        {
          taskID,
          message: flags.message,
          ...(flags.command === undefined ? {} : { command: flags.command }),
          ...(timeoutMs === undefined ? {} : { timeoutMs }),
        },
        { signal: ctx.signal },
      );
      result = await sandbox.tasks.wait({ signal: ctx.signal });
    } finally {
      spinner.stop();
    }
    const exitCode = exitCodeOf(result);
    if (ui.json) ui.result({ ok: true, sandboxId: sandbox.id, taskID, exitCode, result });
    else printResult(ui, taskID, result, exitCode);
    return exitCode;
  });
}

interface PrintableResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  durationMs: number;
  startedAt: string;
  endedAt: string;
  stdoutTail: string;
  stderrTail: string;
  error?: string;
}

function printResult(ui: Ui, taskID: string, result: PrintableResult, exitCode: number): void {
  const how = result.timedOut
    ? 'timed out'
    : result.signal
      ? `killed by ${result.signal}`
      : `exited ${String(result.exitCode)}`;
  const colour = exitCode === 0 ? 'green' : 'red';
  ui.data(ui.paint(colour, `Task ${taskID} ${how} in ${(result.durationMs / 1000).toFixed(2)} s`));
  ui.data(ui.paint('dim', `started ${result.startedAt}, ended ${result.endedAt}`));
  if (result.error) ui.data(ui.paint('red', `error: ${result.error}`));
  section(ui, 'stdout (tail)', result.stdoutTail);
  section(ui, 'stderr (tail)', result.stderrTail);
}

function section(ui: Ui, title: string, text: string): void {
  if (text.length === 0) return;
  ui.data(ui.paint('bold', `── ${title}`));
  ui.data(text.endsWith('\n') ? text.slice(0, -1) : text);
}
