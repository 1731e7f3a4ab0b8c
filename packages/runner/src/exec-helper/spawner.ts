/**
 * How the runner starts commands: through the exec helper once it is up (docs/decisions/0031),
 * else — helper off, not started yet, no interpreter for it here, or died — with
 * `child_process.spawn`. Both give each command its own session and process group and three
 * pipes, and report the same exit codes, signals and spawn errors.
 */
import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { Logger } from '../log.js';
import { ExecHelper, type SpawnOptions } from './exec-helper.js';

/** The parts of `ChildProcess` the runner uses; `HelperChild` has them too. */
export interface ChildLike {
  readonly pid?: number | undefined;
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  kill(signal?: NodeJS.Signals | number): boolean;
  on(event: 'exit', listener: (code: number | null, signal: NodeJS.Signals | null) => void): this;
  on(event: 'close', listener: (code: number | null, signal: NodeJS.Signals | null) => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  once(event: 'spawn', listener: () => void): this;
}

export type ExecHelperMode = 'auto' | 'off';

/** How long a command waits for a helper that is still starting before it is spawned. */
const HELPER_WAIT_MS = 1000;

export class Spawner {
  private helper: ExecHelper | undefined;
  private starting: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly mode: ExecHelperMode = 'auto',
    private readonly logger?: Logger,
  ) {}

  /** Starts the helper in the background (once); commands spawn directly until it is up. */
  warm(): Promise<void> {
    if (this.mode === 'off' || this.closed) return Promise.resolve();
    this.starting ??= ExecHelper.start(this.logger).then((helper) => {
      if (this.closed) return helper?.close();
      this.helper = helper;
      if (!helper) this.logger?.log('info', 'exec helper unavailable; commands use spawn');
      return undefined;
    });
    return this.starting;
  }

  /**
   * Resolves once a helper being started is up or known to be unavailable (at most
   * HELPER_WAIT_MS), so the first command of a new sandbox also starts through it: a spawned
   * command's oom_score_adj can only be raised after it runs, and what it forks at once would keep
   * the runner's (W14); the helper's children inherit the helper's score.
   */
  settled(): Promise<void> {
    if (this.starting === undefined || this.helper !== undefined || this.closed) {
      return Promise.resolve();
    }
    return Promise.race([
      this.starting.then(
        () => undefined,
        () => undefined,
      ),
      new Promise<void>((resolve) => setTimeout(resolve, HELPER_WAIT_MS).unref()),
    ]);
  }

  /** The helper's pid while it serves commands. */
  get helperPid(): number | undefined {
    return this.helper?.usable ? this.helper.pid : undefined;
  }

  spawn(file: string, args: string[], options: SpawnOptions): ChildLike {
    if (this.helper?.usable) return this.helper.spawn(file, args, options);
    return spawn(file, args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.starting;
    await this.helper?.close();
  }
}
