import type { CommandInfo, CommandStartRequest, PtySize } from '@corral/runner';
import { compact } from '../compact.js';
import { InvalidArgumentError } from '../errors.js';
import { checkEnv } from '../validate/sandbox-input.js';
import { CommandHandle, type CommandResult } from './commands.js';
import type { Transport } from './transport.js';

export type { PtySize } from '@corral/runner';

/** The runner's bound on each dimension (a winsize field is an unsigned short). */
export const MAX_PTY_DIMENSION = 10_000;

/**
 * With no `cmd`: an interactive login bash where there is one, else sh, as E2B's `pty.create`
 * starts bash (a slim image has bash; a distroless or alpine one may not).
 */
const DEFAULT_SHELL = 'command -v bash >/dev/null 2>&1 && exec bash -i -l; exec sh -i';

export interface PtyCreateOptions extends PtySize {
  /** Argv, or a string for `/bin/sh -c`. Default: an interactive shell (bash, else sh). */
  cmd?: string | readonly string[];
  /** Every byte the terminal prints, in order (awaited, so a slow consumer slows the reader). */
  onData?: (data: Uint8Array) => unknown;
  /** Relative to the sandbox root. */
  cwd?: string;
  /** Added to the runner's environment; `TERM` defaults to `xterm-256color`. */
  env?: Record<string, string>;
  /** Kills the command's process group when exceeded; the result has `timedOut: true`. */
  timeoutMs?: number;
  /** Bounds the start request only; the terminal lives until `kill()` or its exit. */
  signal?: AbortSignal;
}

/**
 * The end of a pty command. A terminal has one output stream, so `stdout` holds all of it (the
 * last 16 MiB) and `stderr` is empty; a command killed by a signal reports `exitCode` 128+n.
 */
export type PtyResult = CommandResult;

function checkSize(size: PtySize, where: string): void {
  for (const field of ['cols', 'rows'] as const) {
    const value = size[field];
    if (!Number.isInteger(value) || value < 1 || value > MAX_PTY_DIMENSION) {
      throw new InvalidArgumentError(
        `${where}: ${field} must be an integer from 1 to ${MAX_PTY_DIMENSION}, got ${String(value)}; pass the terminal's size, e.g. process.stdout.columns / .rows`,
      );
    }
  }
}

/** A command on a pseudo-terminal in the sandbox. */
export class PtyHandle {
  readonly id: string;
  readonly pid: number;
  private readonly command: CommandHandle;
  private readonly done: Promise<PtyResult>;

  /** @internal Use `sandbox.pty.create(...)`. */
  constructor(
    private readonly transport: Transport,
    info: CommandInfo,
    onData: PtyCreateOptions['onData'],
  ) {
    this.id = info.id;
    this.pid = info.pid;
    this.command = new CommandHandle(transport, info, {});
    const forward = async () => {
      if (!onData) return;
      for await (const event of this.command) {
        if (event.type === 'stdout' || event.type === 'stderr') await onData(event.data);
      }
    };
    this.done = Promise.all([forward(), this.command.wait()]).then(([, result]) => result);
    // wait() may never be called; its rejection must not go unhandled.
    this.done.catch(() => {});
  }

  /** Types into the terminal (keystrokes, pasted text, control bytes such as "\x03" for Ctrl-C). */
  sendInput(data: string | Uint8Array, options: { signal?: AbortSignal } = {}): Promise<void> {
    return this.command.sendStdin(data, options);
  }

  /** Sets the terminal's size; the program in it gets SIGWINCH. */
  async resize(size: PtySize, options: { signal?: AbortSignal } = {}): Promise<void> {
    checkSize(size, `pty ${this.id}: resize`);
    await this.transport.json<CommandInfo>({
      method: 'POST',
      path: `/v1/commands/${encodeURIComponent(this.id)}/resize`,
      body: JSON.stringify({ cols: size.cols, rows: size.rows }),
      headers: { 'content-type': 'application/json' },
      // setting a size twice is the same as setting it once
      idempotent: true,
      operation: `resize pty ${this.id}`,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }

  /** Resolves when the command exits (a non-zero exit is data, not an error). */
  wait(): Promise<PtyResult> {
    return this.done;
  }

  /** Signals the command's process groups (default SIGKILL). False if it had already exited. */
  kill(signal = 'SIGKILL', options: { signal?: AbortSignal } = {}): Promise<boolean> {
    return this.command.kill(signal, options);
  }

  /** Stops reading output; the command keeps running. */
  disconnect(): void {
    this.command.disconnect();
  }
}

export class Pty {
  /** @internal */
  constructor(private readonly transport: Transport) {}

  /** Starts `cmd` (default: an interactive shell) on a terminal of `cols` x `rows`. */
  async create(options: PtyCreateOptions): Promise<PtyHandle> {
    checkSize(options, 'pty.create');
    checkEnv(options.env);
    const cmd = options.cmd ?? DEFAULT_SHELL;
    const body: CommandStartRequest = {
      ...(typeof cmd === 'string' ? { shell: cmd } : { cmd: [...cmd] }),
      ...compact({ env: options.env, cwd: options.cwd, timeoutMs: options.timeoutMs }),
      pty: { cols: options.cols, rows: options.rows },
      background: true,
      keepStdinOpen: true,
    };
    const info = await this.transport.json<CommandInfo>(
      compact({
        method: 'POST',
        path: '/v1/commands',
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
        operation: 'pty.create()',
        signal: options.signal,
      }),
    );
    return new PtyHandle(this.transport, info, options.onData);
  }
}
