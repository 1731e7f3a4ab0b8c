/**
 * Processes the runner started: each in its own process group (so a kill or timeout takes the
 * whole tree), with a bounded, sequence-numbered event buffer that any number of readers can
 * attach to from a cursor. Past the buffer limit the oldest output events are dropped; readers
 * that asked for them get a `gap` event.
 */
import { randomBytes } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { constants } from 'node:os';
import type { CommandEvent, CommandExitEvent, CommandInfo } from './wire.js';
import { Spawner, type ChildLike } from './exec-helper/spawner.js';

import { DEFAULT_OUTPUT_BUFFER_BYTES } from './constants.js';
import { IdleGc } from './idle-gc.js';
import { raiseOomScore } from './oom.js';
import { ptyChildPid, ptyLaunch, ptyOf, type PtySize } from './pty.js';
/** Exited commands kept for `GET /v1/commands`; older ones are forgotten first. */
export const MAX_RETAINED_EXITED = 256;
/** After the group leader exits, how long to wait for descendants still holding its pipes. */
const PIPE_DRAIN_GRACE_MS = 200;

/** Environment variables the runner never passes on to the commands it starts. */
const PRIVATE_ENV = ['CORRAL_RUNNER_TOKEN'];

export interface SpawnSpec {
  id?: string;
  cmd?: string[];
  shell?: string;
  env?: Record<string, string>;
  /** Absolute, already confined to the root. */
  cwd: string;
  /** Relative form reported back to clients. */
  cwdRel: string;
  stdin?: Buffer;
  keepStdinOpen?: boolean;
  timeoutMs?: number;
  /** Run on a pseudo-terminal of this size (docs/decisions/0029); output is all `stdout`. */
  pty?: PtySize;
  /**
   * Output from the first byte on. A listener added with `onOutput` after `start()` resolves can
   * miss output: through the exec helper, the command's first output can arrive in the same
   * read as its start.
   */
  onOutput?: OutputListener;
}

interface Stored {
  event: CommandEvent;
  line: string;
}

export type OutputListener = (stream: 'stdout' | 'stderr', chunk: Buffer) => void;

export function isSignalName(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(constants.signals, name);
}

export function signalNumber(name: string): number {
  return (constants.signals as Record<string, number>)[name] ?? 0;
}

export class ManagedProcess {
  readonly id: string;
  readonly pid: number;
  readonly spec: SpawnSpec;
  readonly startedAt = new Date();
  status: 'running' | 'exited' = 'running';
  exitCode: number | null = null;
  signal: string | null = null;
  timedOut = false;
  endedAt: Date | null = null;
  outputBytes = 0;
  droppedBytes = 0;
  stdinOpen = true;
  readonly exited: Promise<CommandExitEvent>;

  private readonly child: ChildLike;
  private readonly bufferLimit: number;
  private events: Stored[] = [];
  private head = 0;
  private baseSeq = 0;
  private nextSeqValue = 0;
  private bufferBytes = 0;
  private waiters = new Set<() => void>();
  private outputListeners = new Set<OutputListener>();
  private timeoutTimer: NodeJS.Timeout | undefined;
  private drainTimer: NodeJS.Timeout | undefined;
  private drainGraceOver: () => void = () => undefined;
  private outputPaused = false;
  private resolveExited!: (e: CommandExitEvent) => void;
  private readonly t0 = performance.now();

  constructor(id: string, child: ChildLike, spec: SpawnSpec, bufferLimit: number) {
    this.id = id;
    this.child = child;
    this.pid = child.pid!;
    // a copy: `stdin` and `onOutput` are dropped once used (see `finish`)
    this.spec = { ...spec };
    this.bufferLimit = bufferLimit;
    this.exited = new Promise((resolve) => (this.resolveExited = resolve));
    this.push({ type: 'start', seq: 0, id, pid: this.pid });
    if (spec.onOutput) this.outputListeners.add(spec.onOutput);

    child.stdout!.on('data', (chunk: Buffer) => this.output('stdout', chunk));
    child.stderr!.on('data', (chunk: Buffer) => this.output('stderr', chunk));
    // A child that exits without reading stdin makes our writes fail with EPIPE: not our error.
    child.stdin!.on('error', () => {});
    child.stdin!.on('close', () => (this.stdinOpen = false));

    let finished = false;
    let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    const finish = () => {
      if (finished || !exitInfo) return;
      finished = true;
      clearTimeout(this.timeoutTimer);
      clearTimeout(this.drainTimer);
      this.finish(exitInfo.code, exitInfo.signal);
    };
    child.on('exit', (code, signal) => {
      exitInfo = { code, signal };
      this.armDrainGrace();
    });
    child.on('close', finish);
    // Descendants may keep the pipes open; do not wait for them forever. The grace does not run
    // while a slow reader holds the output back (pauseOutput): the exited command's last pipeful,
    // still unread, was lost that way under load (the W3 test saw 20 MB arrive short by <64 KiB).
    this.drainGraceOver = () => {
      if (finished) return;
      child.stdout!.destroy();
      child.stderr!.destroy();
      finish();
    };

    if (spec.stdin !== undefined && spec.stdin.length > 0) child.stdin!.write(spec.stdin);
    delete this.spec.stdin;
    if (!spec.keepStdinOpen) child.stdin!.end();
    if (spec.timeoutMs !== undefined) {
      this.timeoutTimer = setTimeout(() => {
        this.timedOut = true;
        this.kill('SIGKILL');
      }, spec.timeoutMs);
    }
  }

  get nextSeq(): number {
    return this.nextSeqValue;
  }

  get firstSeq(): number {
    return this.baseSeq;
  }

  get stdin(): NodeJS.WritableStream & { writableEnded: boolean; destroyed: boolean } {
    return this.child.stdin!;
  }

  info(): CommandInfo {
    const ended = this.endedAt;
    return {
      id: this.id,
      pid: this.pid,
      ...(this.spec.pty ? { pty: { ...this.spec.pty } } : {}),
      ...(this.spec.cmd ? { cmd: this.spec.cmd } : {}),
      ...(this.spec.shell !== undefined ? { shell: this.spec.shell } : {}),
      cwd: this.spec.cwdRel,
      status: this.status,
      exitCode: this.exitCode,
      signal: this.signal,
      timedOut: this.timedOut,
      startedAt: this.startedAt.toISOString(),
      endedAt: ended ? ended.toISOString() : null,
      durationMs: ended ? ended.getTime() - this.startedAt.getTime() : null,
      nextSeq: this.nextSeqValue,
      firstSeq: this.baseSeq,
      outputBytes: this.outputBytes,
      droppedBytes: this.droppedBytes,
      stdinOpen: this.stdinOpen && this.status === 'running',
    };
  }

  onOutput(listener: OutputListener): () => void {
    this.outputListeners.add(listener);
    return () => this.outputListeners.delete(listener);
  }

  /** Events from `cursor` on; `gap` counts events already dropped before the first returned. */
  eventsFrom(cursor: number): { gap: number; events: Stored[] } {
    const from = Math.max(cursor, this.baseSeq);
    const start = this.head + (from - this.baseSeq);
    return { gap: from - cursor, events: this.events.slice(start) };
  }

  /** Resolves when an event with `seq >= cursor` exists (at once if one does). */
  waitFor(cursor: number): Promise<void> {
    if (cursor < this.nextSeqValue) return Promise.resolve();
    return new Promise((resolve) => this.waiters.add(resolve));
  }

  /** Stops reading output so the child blocks on a full pipe (backpressure from a slow reader). */
  pauseOutput(): void {
    this.outputPaused = true;
    clearTimeout(this.drainTimer);
    this.child.stdout!.pause();
    this.child.stderr!.pause();
  }

  resumeOutput(): void {
    this.outputPaused = false;
    if (this.drainTimer !== undefined) this.armDrainGrace();
    this.child.stdout!.resume();
    this.child.stderr!.resume();
  }

  /** (Re)starts the wait for the pipes after the exit; held while the output is paused. */
  private armDrainGrace(): void {
    clearTimeout(this.drainTimer);
    this.drainTimer = setTimeout(() => {
      if (!this.outputPaused) this.drainGraceOver();
    }, PIPE_DRAIN_GRACE_MS);
    this.drainTimer.unref();
  }

  /**
   * The command on the pty and its terminal (`script` is our pid; the command is its child, in a
   * session of its own). Undefined before `script` forked it or after it exited.
   */
  ptyTarget(): { pid: number; path: string; foregroundPgid: number } | undefined {
    if (!this.spec.pty || this.status === 'exited') return undefined;
    const pid = ptyChildPid(this.pid);
    const tty = pid === undefined ? undefined : ptyOf(pid);
    return pid === undefined || tty === undefined ? undefined : { pid, ...tty };
  }

  /** Signals the whole process group. False when the process already exited. */
  kill(signal: string = 'SIGKILL'): boolean {
    if (this.status === 'exited') return false;
    // The pty's session is not in script's process group: signal the command's group (and the
    // job in the terminal's foreground, e.g. under an interactive bash) instead. script then exits
    // with the command's status (128+n); signalled itself, it would kill the command and exit 0.
    const target = this.ptyTarget();
    if (target) {
      let reached = false;
      for (const pgid of new Set([target.pid, target.foregroundPgid])) {
        try {
          if (pgid > 0) process.kill(-pgid, signal);
          reached = true;
        } catch {
          // already gone
        }
      }
      if (reached) return true;
    }
    try {
      process.kill(-this.pid, signal);
    } catch {
      try {
        this.child.kill(signal as NodeJS.Signals);
      } catch {
        return false;
      }
    }
    return true;
  }

  private output(stream: 'stdout' | 'stderr', chunk: Buffer): void {
    this.outputBytes += chunk.length;
    for (const listener of this.outputListeners) listener(stream, chunk);
    const utf8 = isUtf8(chunk);
    this.push({
      type: stream,
      seq: 0,
      data: chunk.toString(utf8 ? 'utf8' : 'base64'),
      ...(utf8 ? {} : { encoding: 'base64' as const }),
    });
  }

  private finish(code: number | null, signal: NodeJS.Signals | null): void {
    this.status = 'exited';
    this.exitCode = code;
    this.signal = signal;
    this.endedAt = new Date();
    this.stdinOpen = false;
    const event: CommandExitEvent = {
      type: 'exit',
      seq: 0,
      exitCode: code,
      signal,
      timedOut: this.timedOut,
      durationMs: Math.round((performance.now() - this.t0) * 1000) / 1000,
    };
    this.push(event);
    // No output follows the exit. The listeners are closures of the requests that started the
    // command (the legacy /execute one holds its whole output): an exited command is kept for
    // listing (MAX_RETAINED_EXITED), and must not keep those alive — 256 of them were ~12 MB of
    // the runner's RSS after a few thousand commands (docs/decisions/0048).
    this.outputListeners.clear();
    delete this.spec.onOutput;
    this.resolveExited({ ...event, seq: this.nextSeqValue - 1 });
  }

  private push(event: CommandEvent): void {
    event.seq = this.nextSeqValue++;
    const line = JSON.stringify(event);
    this.events.push({ event, line });
    this.bufferBytes += line.length;
    while (this.bufferBytes > this.bufferLimit && this.events.length - this.head > 1) {
      const dropped = this.events[this.head]!;
      this.head++;
      this.baseSeq++;
      this.bufferBytes -= dropped.line.length;
      if (dropped.event.type === 'stdout' || dropped.event.type === 'stderr') {
        this.droppedBytes += dropped.line.length;
      }
    }
    if (this.head > 1024 && this.head * 2 > this.events.length) {
      this.events = this.events.slice(this.head);
      this.head = 0;
    }
    const waiters = this.waiters;
    this.waiters = new Set();
    for (const wake of waiters) wake();
  }
}

export class ProcessManager {
  private readonly procs = new Map<string, ManagedProcess>();

  constructor(
    private readonly bufferLimit = DEFAULT_OUTPUT_BUFFER_BYTES,
    readonly spawner = new Spawner(),
    private readonly idleGc = new IdleGc(),
  ) {}

  /** Starts a process; rejects with the spawn error (e.g. ENOENT) if it could not start. */
  async start(spec: SpawnSpec): Promise<ManagedProcess> {
    await this.spawner.settled();
    const id = spec.id ?? randomBytes(8).toString('hex');
    if (this.procs.has(id)) throw new Error(`a command with id "${id}" exists`);
    const env: NodeJS.ProcessEnv = { ...process.env, ...spec.env };
    for (const name of PRIVATE_ENV) delete env[name];
    const [file, args] = spec.cmd
      ? [spec.cmd[0]!, spec.cmd.slice(1)]
      : ['/bin/sh', ['-c', spec.shell ?? '']];
    const launch = spec.pty ? ptyLaunch(spec, env, spec.pty) : { file, args, env };
    const child = this.spawner.spawn(launch.file, launch.args, { cwd: spec.cwd, env: launch.env });
    // at once, before the command can fork: a spawned child has exec'd by now (the exec helper's
    // children have no pid yet here, and inherit the helper's score instead)
    raiseOomScore(child.pid);
    return new Promise((resolve, reject) => {
      let spawned = false;
      // Kept for the child's whole life: an 'error' event without a listener would crash the runner.
      child.on('error', (error) => {
        if (!spawned) reject(error);
      });
      child.once('spawn', () => {
        spawned = true;
        const proc = new ManagedProcess(id, child, spec, this.bufferLimit);
        this.procs.set(id, proc);
        void proc.exited.then(() => {
          this.evictExited();
          this.idleGc.commandExited();
        });
        resolve(proc);
      });
    });
  }

  get(id: string): ManagedProcess | undefined {
    return this.procs.get(id);
  }

  list(): ManagedProcess[] {
    return [...this.procs.values()];
  }

  remove(id: string): boolean {
    const proc = this.procs.get(id);
    if (!proc) return false;
    proc.kill('SIGKILL');
    this.procs.delete(id);
    return true;
  }

  running(): ManagedProcess[] {
    return this.list().filter((p) => p.status === 'running');
  }

  /** Signals every running group; after `graceMs`, SIGKILLs what is left. Resolves when all exited. */
  async stopAll(graceMs: number): Promise<void> {
    const running = this.running();
    for (const proc of running) proc.kill('SIGTERM');
    const timer = setTimeout(() => {
      for (const proc of running) proc.kill('SIGKILL');
    }, graceMs);
    await Promise.all(running.map((p) => p.exited));
    clearTimeout(timer);
  }

  private evictExited(): void {
    const exited = this.list().filter((p) => p.status === 'exited');
    for (const proc of exited.slice(0, Math.max(0, exited.length - MAX_RETAINED_EXITED))) {
      this.procs.delete(proc.id);
    }
  }
}
