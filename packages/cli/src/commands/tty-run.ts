/**
 * `-t`/`-i` on `run` and `sandbox exec`, as docker and kubectl spell them: `-t` gives the command
 * a terminal in the sandbox (docs/decisions/0029), `-i` keeps Corral's stdin connected to it.
 */
import { AbortedError, CorralError, InvalidArgumentError, compact } from '@corral/sdk';
import type { Sandbox } from '@corral/sdk';
import type { CliContext, Terminal } from '../context.js';
import type { Ui } from '../output/ui.js';
import type { ExecOptions, ExecOutcome } from './exec-core.js';
import { StdinPump } from './stdin-forward.js';

export interface TtyFlags {
  interactive?: boolean;
  tty?: boolean;
}

/**
 * The terminal to hand to the command, or undefined for plain pipes. `-t` without a terminal on
 * both stdin and stdout warns and falls back to pipes, as kubectl does (docker refuses instead;
 * a warning keeps `corral run -it` usable from scripts and CI, where its output is still right).
 */
export function terminalFor(
  flags: TtyFlags & { json: boolean },
  ctx: CliContext,
  ui: Ui,
): Terminal | undefined {
  if (flags.tty !== true) return undefined;
  if (flags.json) {
    throw new InvalidArgumentError(
      '-t streams a terminal and --json collects the output into one document; use one of them.',
    );
  }
  if (ctx.terminal === undefined) {
    ui.status(
      'Warning: -t needs a terminal on stdin and stdout; running without one (output and exit code are unchanged).',
    );
    return undefined;
  }
  return ctx.terminal;
}

/**
 * Runs argv on a pty in the sandbox with Corral's terminal in raw mode: keystrokes (Ctrl-C
 * included) go to the command, window size changes follow, and the terminal is restored
 * however this ends. Without `-i` the command gets no input, like `docker run -t`.
 */
export async function runOnTerminal(
  sandbox: Sandbox,
  argv: string[],
  options: ExecOptions & { interactive: boolean },
  ctx: CliContext,
  ui: Ui,
  terminal: Terminal,
): Promise<ExecOutcome> {
  const started = performance.now();
  const term = ctx.env.TERM;
  const initial = terminal.size();
  const handle = await sandbox.pty.create({
    cmd: argv,
    ...initial,
    env: { ...options.env, ...(term ? { TERM: term } : {}) },
    ...compact({ timeoutMs: options.timeoutMs, cwd: options.cwd }),
    onData: (data) => void ctx.stdout.write(data),
    signal: ctx.signal,
  });
  const stdin = options.interactive ? new StdinPump(ctx.stdin) : undefined;
  // SIGTERM to Corral (a keyboard Ctrl-C is a byte for the command in raw mode) ends the command.
  const onAbort = (): void => void handle.kill('SIGKILL').catch(() => {});
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  const resize = (): void => {
    // a resize that loses the race with the exit is nothing to report
    void handle.resize(terminal.size()).catch(() => {});
  };
  const stopResize = terminal.onResize(resize);
  // the window may have changed while the command was being started
  const now = terminal.size();
  if (now.cols !== initial.cols || now.rows !== initial.rows) resize();
  terminal.setRawMode(true);
  try {
    const feeding = stdin
      ? (async () => {
          for await (const chunk of stdin.drain()) await handle.sendInput(chunk);
        })().catch((error: unknown) => {
          if (
            error instanceof CorralError &&
            ['PROCESS_NOT_RUNNING', 'STDIN_CLOSED'].includes(error.code)
          )
            return;
          if (!ctx.signal.aborted) void handle.kill('SIGKILL').catch(() => {});
        })
      : Promise.resolve();
    const result = await handle.wait();
    stdin?.stop();
    await feeding;
    // killed because Corral was: exit as the signal says (143), as without -t
    if (ctx.signal.aborted)
      throw new AbortedError(`commands.run: interrupted by ${String(ctx.signal.reason)}`);
    if (result.timedOut && options.timeoutMs !== undefined) {
      ui.status(`\r\nCommand timed out after ${options.timeoutMs} ms and was killed.`);
    }
    return {
      command: argv,
      exitCode: result.exitCode,
      signal: result.signal,
      timedOut: result.timedOut,
      durationMs: Math.round(performance.now() - started),
    };
  } finally {
    terminal.setRawMode(false);
    stopResize();
    stdin?.stop();
    if (stdin) terminal.closeInput();
    ctx.signal.removeEventListener('abort', onAbort);
  }
}
