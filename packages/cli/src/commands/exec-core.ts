import { constants } from 'node:os';
import type { Sandbox } from '@corral/sdk';
import type { CliContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import type { Ui } from '../output/ui.js';

export interface ExecFlags {
  timeout?: string;
  cwd?: string;
}

export interface ExecOptions {
  timeoutMs: number | undefined;
  cwd?: string;
  env: Record<string, string>;
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
  const result = await sandbox.commands.run(argv, {
    ...(ui.json
      ? {}
      : {
          onStdout: (data: string | Uint8Array) => void ctx.stdout.write(data),
          onStderr: (data: string | Uint8Array) => void ctx.stderr.write(data),
        }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    ...(Object.keys(options.env).length > 0 ? { env: options.env } : {}),
    signal: ctx.signal,
  });
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

/** The process exit code that mirrors the command: its own code, 124 on timeout, 128+n on signal n. */
export function exitCodeOf(outcome: Pick<ExecOutcome, 'exitCode' | 'signal' | 'timedOut'>): number {
  if (outcome.timedOut) return ExitCode.TIMEOUT;
  if (outcome.exitCode !== null) return outcome.exitCode;
  const signo = outcome.signal
    ? constants.signals[outcome.signal as keyof typeof constants.signals]
    : undefined;
  return signo === undefined ? ExitCode.FAILURE : 128 + signo;
}
