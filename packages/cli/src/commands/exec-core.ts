import { constants } from 'node:os';
import { AbortedError, CorralError, compact } from '@corral/sdk';
import type { CommandResult, RunOptions, Sandbox } from '@corral/sdk';
import type { CliContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import type { Ui } from '../output/ui.js';
import { StdinPump } from './stdin-forward.js';

export interface ExecFlags {
  timeout?: string;
  cwd?: string;
}

export interface ExecOptions {
  timeoutMs: number | undefined;
  cwd?: string;
  env: Record<string, string>;
  /** Corral's stdin, forwarded to the command (absent: the command's stdin is empty). */
  stdin?: StdinPump | undefined;
}

/** What `run`, `sandbox exec` report with `--json`. */
export interface ExecOutcome {
  command: string[];
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  durationMs: number;
  /** Only with `--json`; otherwise the output went straight to the terminal. */
  stdout?: string;
  stderr?: string;
  /** With `--json`, when the output was longer than the collected tail: the bytes left out. */
  truncated?: { stdoutBytes: number; stderrBytes: number };
}

/**
 * Corral's stdin is forwarded when it is not a terminal (a pipe or a file), as `ssh` does; a
 * terminal's input is forwarded only with `-i`. Call before creating the sandbox, so a short
 * piped input has arrived by the time the command starts.
 */
export function stdinFor(ctx: CliContext, interactive = false): StdinPump | undefined {
  if (ctx.stdinIsTTY === true && !interactive) return undefined;
  return new StdinPump(ctx.stdin);
}

/**
 * Runs argv in the sandbox. Human mode streams output to our stdout/stderr as it arrives; with
 * `--json` it is collected into the result instead, so stdout stays one JSON document.
 */
export async function runInSandbox(
  sandbox: Sandbox,
  argv: string[],
  options: ExecOptions,
  ctx: CliContext,
  ui: Ui,
): Promise<ExecOutcome> {
  const started = performance.now();
  const runOptions: RunOptions = {
    ...(ui.json
      ? {}
      : {
          onStdout: (data: string) => void ctx.stdout.write(data),
          onStderr: (data: string) => void ctx.stderr.write(data),
        }),
    ...compact({ timeoutMs: options.timeoutMs, cwd: options.cwd }),
    ...(Object.keys(options.env).length > 0 ? { env: options.env } : {}),
    signal: ctx.signal,
  };
  let result: CommandResult;
  try {
    result = await runWithStdin(sandbox, argv, runOptions, options.stdin, ctx.signal);
  } catch (error) {
    const missing = notRunnable(error, argv[0] ?? '');
    if (missing === undefined) throw error;
    if (!ui.json) ctx.stderr.write(missing.stderr);
    return {
      command: argv,
      exitCode: missing.exitCode,
      signal: null,
      timedOut: false,
      durationMs: Math.round(performance.now() - started),
      ...(ui.json ? { stdout: '', stderr: missing.stderr } : {}),
    };
  } finally {
    options.stdin?.stop();
  }
  const outcome: ExecOutcome = {
    command: argv,
    exitCode: result.exitCode,
    signal: result.signal ?? null,
    timedOut: result.timedOut ?? false,
    durationMs: Math.round(performance.now() - started),
    ...(ui.json ? { stdout: result.stdout, stderr: result.stderr } : {}),
    ...(ui.json && result.truncated ? { truncated: result.truncated } : {}),
  };
  if (outcome.timedOut && options.timeoutMs !== undefined) {
    ui.status(
      `Command timed out after ${options.timeoutMs} ms and was killed (raise --timeout if it needs longer).`,
    );
  } else if (outcome.signal) {
    ui.status(`Command was killed by ${outcome.signal}.`);
  }
  return outcome;
}

/**
 * An input that has already ended goes with the start request; a longer one is streamed into a
 * background command, which is killed if Corral is interrupted (a foreground command dies with
 * its request; a background one must be told).
 */
async function runWithStdin(
  sandbox: Sandbox,
  argv: string[],
  runOptions: RunOptions,
  stdin: StdinPump | undefined,
  signal: AbortSignal,
): Promise<CommandResult> {
  const whole = stdin?.takeIfEnded();
  if (stdin === undefined || whole !== undefined) {
    return sandbox.commands.run(argv, {
      ...runOptions,
      ...(whole !== undefined && whole.length > 0 ? { stdin: whole } : {}),
    });
  }
  const handle = await sandbox.commands.run(argv, {
    ...runOptions,
    background: true,
    keepStdinOpen: true,
  });
  const onAbort = (): void => void handle.kill('SIGKILL').catch(() => {});
  signal.addEventListener('abort', onAbort, { once: true });
  const feeding = (async () => {
    for await (const chunk of stdin.drain()) await handle.sendStdin(chunk);
    await handle.closeStdin();
  })().catch((error: unknown) => {
    // A command that exits (or closes stdin) without reading all of it is not an error: EPIPE.
    if (
      error instanceof CorralError &&
      ['PROCESS_NOT_RUNNING', 'STDIN_CLOSED'].includes(error.code)
    )
      return;
    if (signal.aborted) return;
    void handle.kill('SIGKILL').catch(() => {});
    throw error;
  });
  try {
    const result = await handle.wait();
    stdin.stop();
    await feeding;
    if (signal.aborted)
      throw new AbortedError(`commands.run: interrupted by ${String(signal.reason)}`);
    return result;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** A program that is missing (127) or not executable (126): the shell's code and words. */
function notRunnable(
  error: unknown,
  program: string,
): { exitCode: 126 | 127; stderr: string } | undefined {
  if (!(error instanceof CorralError) || error.code !== 'SPAWN_FAILED') return undefined;
  if (/\bENOENT\b/.test(error.message))
    return { exitCode: 127, stderr: `corral: command not found in the sandbox: ${program}\n` };
  if (/\bEACCES\b/.test(error.message))
    return {
      exitCode: 126,
      stderr: `corral: permission denied: ${program} is not executable in the sandbox\n`,
    };
  return undefined;
}

/** The process exit code that mirrors the command: its own code, 124 on timeout, 128+n on signal n. */
export function exitCodeOf(outcome: Pick<ExecOutcome, 'exitCode' | 'signal' | 'timedOut'>): number {
  if (outcome.timedOut) return ExitCode.TIMEOUT;
  if (outcome.exitCode !== null) return outcome.exitCode;
  const signo = outcome.signal
    ? constants.signals[outcome.signal as keyof typeof constants.signals]
    : undefined;
  return signo === undefined ? ExitCode.FAILURE : 128 + signo;
}
