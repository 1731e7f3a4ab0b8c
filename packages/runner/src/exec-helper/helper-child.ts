/**
 * One command started by the exec helper, shaped like the parts of `ChildProcess` the runner's
 * `ManagedProcess` uses: `pid`, `stdin`/`stdout`/`stderr` streams, `spawn`/`error`/`exit`/`close`
 * events and `kill()`. Output backpressure travels to the helper as pause/resume frames, stdin
 * writes complete when the helper has written them to the command's pipe.
 */
import { EventEmitter } from 'node:events';
import { constants } from 'node:os';
import { Readable, Writable } from 'node:stream';
import { FRAME } from './helper-source.js';

export type SendFrame = (type: number, n: number, payload?: Buffer) => void;

const SIGNAL_NAMES = new Map<number, NodeJS.Signals>();
for (const [name, number] of Object.entries(constants.signals)) {
  if (!SIGNAL_NAMES.has(number)) SIGNAL_NAMES.set(number, name as NodeJS.Signals);
}

export class HelperChild extends EventEmitter {
  pid: number | undefined;
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  readonly stdout: Readable;
  readonly stderr: Readable;
  readonly stdin: Writable;
  private readonly acks: ((error?: Error | null) => void)[] = [];
  private paused = false;
  private exited = false;
  private ended = 0;
  private closeEmitted = false;

  constructor(
    readonly n: number,
    private readonly file: string,
    private readonly args: string[],
    private readonly send: SendFrame,
  ) {
    super();
    const output = () => {
      const stream = new Readable({
        read: () => {
          if (this.paused) {
            this.paused = false;
            this.send(FRAME.resume, n);
          }
        },
        destroy: (error, callback) => {
          this.send(FRAME.detach, n);
          callback(error);
        },
      });
      stream.once('end', () => this.streamEnded());
      return stream;
    };
    this.stdout = output();
    this.stderr = output();
    this.stdin = new Writable({
      write: (chunk: Buffer, _encoding, callback) => {
        this.acks.push(callback);
        this.send(FRAME.stdin, n, chunk);
      },
      final: (callback) => {
        this.send(FRAME.stdinEnd, n);
        callback();
      },
    });
  }

  kill(signal: NodeJS.Signals | number = 'SIGTERM'): boolean {
    if (this.exited || this.pid === undefined) return false;
    const number = typeof signal === 'number' ? signal : constants.signals[signal];
    if (number === undefined) return false;
    this.send(FRAME.kill, this.n, Buffer.from(String(number)));
    return true;
  }

  /** Handles one frame the helper sent about this command. */
  frame(type: number, payload: Buffer): void {
    switch (type) {
      case FRAME.spawned:
        this.pid = Number(payload.toString());
        this.emit('spawn');
        break;
      case FRAME.spawnFailed:
        this.emit('error', this.spawnError(payload));
        break;
      case FRAME.stdout:
      case FRAME.stderr: {
        const stream = type === FRAME.stdout ? this.stdout : this.stderr;
        if (!stream.destroyed && !stream.push(payload) && !this.paused) {
          this.paused = true;
          this.send(FRAME.pause, this.n);
        }
        break;
      }
      case FRAME.stdinWritten:
        this.acks.shift()?.();
        break;
      case FRAME.exit: {
        const body = JSON.parse(payload.toString()) as {
          code: number | null;
          signal: number | null;
        };
        this.exit(body.code, body.signal === null ? null : (SIGNAL_NAMES.get(body.signal) ?? null));
        break;
      }
      case FRAME.closed:
        this.closeStreams();
        break;
    }
  }

  /** The helper died: the command was SIGKILLed (by the caller) and is reported so. */
  helperDied(notice: string): void {
    if (this.pid === undefined) {
      this.emit(
        'error',
        Object.assign(new Error(`${notice}; the command was not started`), {
          code: 'EXEC_HELPER_DIED',
        }),
      );
      return;
    }
    if (!this.stderr.destroyed) this.stderr.push(Buffer.from(`corral-runner: ${notice}\n`));
    if (!this.exited) this.exit(null, 'SIGKILL');
    this.closeStreams();
  }

  private exit(code: number | null, signal: NodeJS.Signals | null): void {
    this.exited = true;
    this.exitCode = code;
    this.signalCode = signal;
    this.emit('exit', code, signal);
    this.maybeClose();
  }

  private closeStreams(): void {
    for (const ack of this.acks.splice(0)) ack();
    this.stdin.destroy();
    for (const stream of [this.stdout, this.stderr]) {
      if (stream.destroyed) this.streamEnded();
      else stream.push(null);
    }
  }

  private streamEnded(): void {
    this.ended++;
    this.maybeClose();
  }

  private maybeClose(): void {
    if (this.closeEmitted || !this.exited || this.ended < 2) return;
    this.closeEmitted = true;
    this.emit('close', this.exitCode, this.signalCode);
  }

  private spawnError(payload: Buffer): Error {
    const body = JSON.parse(payload.toString()) as { code: string; errno: number };
    return Object.assign(new Error(`spawn ${this.file} ${body.code}`), {
      errno: -body.errno,
      code: body.code,
      syscall: `spawn ${this.file}`,
      path: this.file,
      spawnargs: this.args,
    });
  }
}
