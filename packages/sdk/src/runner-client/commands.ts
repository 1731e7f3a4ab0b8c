import type { IncomingMessage } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import type { CommandEvent, CommandInfo, CommandList, CommandStartRequest } from '@corral/runner';
import { compact } from '../compact.js';
import { AbortedError, ConflictError, ConnectionError, CorralError } from '../errors.js';
import { errorFromTransport } from './errors-map.js';
import { Tail } from './output-tail.js';
import { checkEnv } from '../validate/sandbox-input.js';
import { eventBytes, readEvents } from './ndjson.js';
import type { Transport } from './transport.js';

export type { CommandInfo } from '@corral/runner';

/** A chunk of output, or the end. `data` holds the exact bytes the process wrote. */
export type CommandStreamEvent =
  /**
   * A chunk of output. `seq` is the runner's one counter across both streams, so the order of
   * stdout and stderr chunks is the order the runner read them in (a reconnect resumes from it).
   */
  | { type: 'stdout' | 'stderr'; data: Buffer; seq: number }
  /** The bounded buffer on the runner dropped this many events before the next one. */
  | { type: 'gap'; droppedEvents: number }
  | {
      type: 'exit';
      exitCode: number | null;
      signal: string | null;
      timedOut: boolean;
      durationMs: number;
    };

export interface CommandResult {
  id: string;
  pid: number;
  /** Null when the process ended by a signal (see `signal`), e.g. after a timeout. */
  exitCode: number | null;
  signal: string | null;
  /** The command's `timeoutMs` passed and the runner killed its process group. */
  timedOut: boolean;
  durationMs: number;
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
  stderrBytes: Buffer;
  /**
   * Bytes dropped from the start of each stream: the result keeps the last 16 MiB of each
   * (callbacks still see everything), so a command cannot exhaust the caller's memory.
   * Absent when nothing was dropped.
   */
  truncated?: { stdoutBytes: number; stderrBytes: number };
}

/** Per stream, what a collected result keeps (the tail), like the runner's own buffer. */
export const COLLECTED_OUTPUT_LIMIT_BYTES = 16 * 1024 * 1024;

/** Any return is accepted (`(t) => process.stdout.write(t)`); a promise is awaited (back-pressure). */
type OutputCallback = (text: string) => unknown;

export interface RunOptions {
  env?: Record<string, string>;
  /** Relative to the sandbox root. */
  cwd?: string;
  /** Kills the whole process group when exceeded; the result then has `timedOut: true`. */
  timeoutMs?: number;
  /** Written to stdin at start; then stdin is closed (foreground) or stays open (background). */
  stdin?: string | Uint8Array;
  /** Awaited for each chunk (decoded as UTF-8, split characters held back), in order. */
  onStdout?: OutputCallback;
  onStderr?: OutputCallback;
  /** Foreground: aborting kills the command. Background: bounds only the start request. */
  signal?: AbortSignal;
  background?: false;
}

export interface BackgroundRunOptions extends Omit<RunOptions, 'background'> {
  background: true;
  /** Keep stdin open for `sendStdin`. Default true for background commands. */
  keepStdinOpen?: boolean;
}

export interface ConnectOptions {
  /** Event sequence number to start from (0 = everything still buffered). Default 0. */
  cursor?: number;
  onStdout?: OutputCallback;
  onStderr?: OutputCallback;
  signal?: AbortSignal;
}

/** Carries an error thrown by a caller's callback through the stream handling unchanged. */
class CallbackFailure {
  constructor(readonly error: unknown) {}
}

class Collector {
  private readonly out = new Tail(COLLECTED_OUTPUT_LIMIT_BYTES);
  private readonly err = new Tail(COLLECTED_OUTPUT_LIMIT_BYTES);
  private readonly outDecoder = new StringDecoder('utf8');
  private readonly errDecoder = new StringDecoder('utf8');

  constructor(
    private readonly callbacks: { onStdout?: OutputCallback; onStderr?: OutputCallback },
  ) {}

  async add(type: 'stdout' | 'stderr', data: Buffer): Promise<void> {
    (type === 'stdout' ? this.out : this.err).push(data);
    const callback = type === 'stdout' ? this.callbacks.onStdout : this.callbacks.onStderr;
    if (callback) {
      const text = (type === 'stdout' ? this.outDecoder : this.errDecoder).write(data);
      if (text.length > 0) {
        try {
          await callback(text);
        } catch (error) {
          // eslint-disable-next-line @typescript-eslint/only-throw-error
          throw new CallbackFailure(error);
        }
      }
    }
  }

  async flush(): Promise<void> {
    const out = this.outDecoder.end();
    if (out && this.callbacks.onStdout) await this.callbacks.onStdout(out);
    const err = this.errDecoder.end();
    if (err && this.callbacks.onStderr) await this.callbacks.onStderr(err);
  }

  result(
    id: string,
    pid: number,
    exit: Extract<CommandStreamEvent, { type: 'exit' }>,
  ): CommandResult {
    const stdoutBytes = this.out.bytes();
    const stderrBytes = this.err.bytes();
    const dropped = this.out.dropped + this.err.dropped > 0;
    return {
      id,
      pid,
      exitCode: exit.exitCode,
      signal: exit.signal,
      timedOut: exit.timedOut,
      durationMs: exit.durationMs,
      stdout: stdoutBytes.toString('utf8'),
      stderr: stderrBytes.toString('utf8'),
      stdoutBytes,
      stderrBytes,
      ...(dropped
        ? { truncated: { stdoutBytes: this.out.dropped, stderrBytes: this.err.dropped } }
        : {}),
    };
  }
}

function toStreamEvent(event: CommandEvent): CommandStreamEvent | undefined {
  switch (event.type) {
    case 'stdout':
    case 'stderr':
      return { type: event.type, data: eventBytes(event), seq: event.seq };
    case 'gap':
      return { type: 'gap', droppedEvents: event.droppedEvents };
    case 'exit':
      return {
        type: 'exit',
        exitCode: event.exitCode,
        signal: event.signal,
        timedOut: event.timedOut,
        durationMs: event.durationMs,
      };
    default:
      return undefined;
  }
}

function commandPath(id: string, suffix = ''): string {
  return `/v1/commands/${encodeURIComponent(id)}${suffix}`;
}

function describe(cmd: string | readonly string[]): string {
  const text = typeof cmd === 'string' ? cmd : cmd.join(' ');
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text);
}

/**
 * A background command. Output is read from the runner's buffer from `cursor` on as soon as the
 * handle exists; callbacks and iterators see every event in order.
 */
export class CommandHandle implements AsyncIterable<CommandStreamEvent> {
  readonly id: string;
  readonly pid: number;
  private readonly transport: Transport;
  private readonly collector: Collector;
  private readonly events: CommandStreamEvent[] = [];
  private wake: (() => void) | undefined;
  private ended = false;
  private failure: unknown;
  private readonly stream = new AbortController();
  private readonly resultPromise: Promise<CommandResult>;

  /** @internal Use `commands.run(..., { background: true })` or `commands.connect(id)`. */
  constructor(transport: Transport, info: CommandInfo, options: ConnectOptions) {
    this.id = info.id;
    this.pid = info.pid;
    this.transport = transport;
    this.collector = new Collector(options);
    const onUserAbort = () => this.stream.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', onUserAbort, { once: true });
    this.resultPromise = this.pump(options.cursor ?? 0).finally(() => {
      options.signal?.removeEventListener('abort', onUserAbort);
    });
    // wait() may never be called; its rejection must not go unhandled.
    this.resultPromise.catch(() => {});
  }

  /** Resolves with the result when the command exits (a non-zero exit is data, not an error). */
  wait(): Promise<CommandResult> {
    return this.resultPromise;
  }

  /** Signals the whole process group (default SIGKILL). False if it had already exited. */
  async kill(signal = 'SIGKILL', options: { signal?: AbortSignal } = {}): Promise<boolean> {
    try {
      await this.transport.json(
        compact({
          method: 'POST',
          path: commandPath(this.id, '/kill'),
          body: JSON.stringify({ signal }),
          headers: { 'content-type': 'application/json' },
          operation: `kill command ${this.id}`,
          signal: options.signal,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConflictError && error.code === 'PROCESS_NOT_RUNNING') return false;
      throw error;
    }
  }

  async sendStdin(
    data: string | Uint8Array,
    options: { signal?: AbortSignal } = {},
  ): Promise<void> {
    const { res } = await this.transport.request(
      compact({
        method: 'POST',
        path: commandPath(this.id, '/stdin'),
        body:
          typeof data === 'string'
            ? data
            : Buffer.from(data.buffer, data.byteOffset, data.byteLength),
        headers: { 'content-type': 'application/octet-stream' },
        operation: `write stdin of command ${this.id}`,
        signal: options.signal,
      }),
    );
    res.resume();
  }

  async closeStdin(options: { signal?: AbortSignal } = {}): Promise<void> {
    const { res } = await this.transport.request(
      compact({
        method: 'DELETE',
        path: commandPath(this.id, '/stdin'),
        operation: `close stdin of command ${this.id}`,
        idempotent: true,
        signal: options.signal,
      }),
    );
    res.resume();
  }

  /** Stops reading output; the command keeps running (reattach with `commands.connect`). */
  disconnect(): void {
    this.stream.abort(new AbortedError('disconnected'));
  }

  async *[Symbol.asyncIterator](): AsyncIterator<CommandStreamEvent> {
    let i = 0;
    for (;;) {
      while (i < this.events.length) yield this.events[i++]!;
      // eslint-disable-next-line @typescript-eslint/only-throw-error
      if (this.failure !== undefined) throw this.failure;
      if (this.ended) return;
      await new Promise<void>((resolve) => {
        const previous = this.wake;
        this.wake = () => {
          previous?.();
          resolve();
        };
      });
    }
  }

  private emit(event: CommandStreamEvent | undefined): void {
    if (event) this.events.push(event);
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private async pump(cursor: number): Promise<CommandResult> {
    let next = cursor;
    let reconnects = 0;
    try {
      for (;;) {
        let res: IncomingMessage;
        try {
          ({ res } = await this.transport.request({
            method: 'GET',
            path: commandPath(this.id, '/output'),
            query: { cursor: next, follow: true },
            headers: { accept: 'application/x-ndjson' },
            signal: this.stream.signal,
            idempotent: true,
            operation: `read output of command ${this.id}`,
          }));
          for await (const event of readEvents(res)) {
            next = event.type === 'gap' ? event.seq + event.droppedEvents : event.seq + 1;
            const streamEvent = toStreamEvent(event);
            if (streamEvent?.type === 'stdout' || streamEvent?.type === 'stderr') {
              await this.collector.add(streamEvent.type, streamEvent.data);
            }
            this.emit(streamEvent);
            if (streamEvent?.type === 'exit') {
              await this.collector.flush();
              this.ended = true;
              this.emit(undefined);
              return this.collector.result(this.id, this.pid, streamEvent);
            }
          }
          throw new ConnectionError(
            `output stream of command ${this.id} ended before the command exited`,
          );
        } catch (error) {
          if (error instanceof CallbackFailure) throw error;
          const mapped = errorFromTransport(
            error,
            `read output of command ${this.id}`,
            this.stream.signal.aborted
              ? { kind: 'signal', reason: this.stream.signal.reason }
              : undefined,
          );
          // Reading output is idempotent: resume from the last event seen.
          if (!(mapped instanceof ConnectionError) || reconnects++ >= 3) throw mapped;
        }
      }
    } catch (error) {
      this.stream.abort();
      this.failure =
        error instanceof CallbackFailure
          ? error.error
          : error instanceof CorralError
            ? error
            : errorFromTransport(error, `command ${this.id}`);
      this.emit(undefined);

      throw this.failure;
    }
  }
}

export class Commands {
  /** @internal */
  constructor(private readonly transport: Transport) {}

  /**
   * Runs `cmd` (argv array, or a string for `/bin/sh -c`). By default waits for the exit and
   * resolves with the output; a non-zero exit or a timeout is part of the result. With
   * `background: true` resolves as soon as the process started, with a handle.
   */
  run(cmd: string | readonly string[], options?: RunOptions): Promise<CommandResult>;
  run(cmd: string | readonly string[], options: BackgroundRunOptions): Promise<CommandHandle>;
  async run(
    cmd: string | readonly string[],
    options: RunOptions | BackgroundRunOptions = {},
  ): Promise<CommandResult | CommandHandle> {
    const background = options.background === true;
    checkEnv(options.env);
    const stdin = options.stdin;
    const body: CommandStartRequest = {
      ...(typeof cmd === 'string' ? { shell: cmd } : { cmd: [...cmd] }),
      ...compact({ env: options.env, cwd: options.cwd, timeoutMs: options.timeoutMs }),
      ...(stdin !== undefined
        ? typeof stdin === 'string'
          ? { stdin }
          : {
              stdin: Buffer.from(stdin.buffer, stdin.byteOffset, stdin.byteLength).toString(
                'base64',
              ),
              stdinEncoding: 'base64' as const,
            }
        : {}),
      ...(background ? { background: true, keepStdinOpen: options.keepStdinOpen ?? true } : {}),
    };
    const operation = `commands.run(${describe(cmd)})`;
    const signal = options.signal;
    if (background) {
      const info = await this.transport.json<CommandInfo>(
        compact({
          method: 'POST',
          path: '/v1/commands',
          body: JSON.stringify(body),
          headers: { 'content-type': 'application/json' },
          operation,
          signal,
        }),
      );
      return new CommandHandle(
        this.transport,
        info,
        compact({
          onStdout: options.onStdout,
          onStderr: options.onStderr,
        }),
      );
    }

    const { res } = await this.transport.request(
      compact({
        method: 'POST',
        path: '/v1/commands',
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json', accept: 'application/x-ndjson' },
        operation,
        signal,
      }),
    );
    const collector = new Collector(options);
    let id = '';
    let pid = 0;
    try {
      for await (const event of readEvents(res)) {
        if (event.type === 'start') {
          id = event.id;
          pid = event.pid;
        } else if (event.type === 'stdout' || event.type === 'stderr') {
          await collector.add(event.type, eventBytes(event));
        } else if (event.type === 'exit') {
          await collector.flush();
          const exit = toStreamEvent(event) as Extract<CommandStreamEvent, { type: 'exit' }>;
          return collector.result(id, pid, exit);
        }
      }
    } catch (error) {
      res.destroy();
      if (error instanceof CallbackFailure) throw error.error;
      throw errorFromTransport(
        error,
        operation,
        signal?.aborted ? { kind: 'signal', reason: signal.reason } : undefined,
      );
    }
    // Never retried: the command may have run (the runner kills it when the stream breaks).
    throw new ConnectionError(`${operation}: the output stream ended before the command exited`, {
      retryable: false,
    });
  }

  /** Every command the runner knows, running or recently exited. */
  async list(options: { signal?: AbortSignal } = {}): Promise<CommandInfo[]> {
    const list = await this.transport.json<CommandList>(
      compact({
        method: 'GET',
        path: '/v1/commands',
        idempotent: true,
        operation: 'commands.list()',
        signal: options.signal,
      }),
    );
    return list.commands;
  }

  async get(id: string, options: { signal?: AbortSignal } = {}): Promise<CommandInfo> {
    return this.transport.json<CommandInfo>(
      compact({
        method: 'GET',
        path: commandPath(id),
        idempotent: true,
        operation: `commands.get(${JSON.stringify(id)})`,
        signal: options.signal,
      }),
    );
  }

  /** Reattaches to a command by id; output is replayed from `cursor` (default: all buffered). */
  async connect(id: string, options: ConnectOptions = {}): Promise<CommandHandle> {
    const info = await this.get(id, options.signal ? { signal: options.signal } : {});
    return new CommandHandle(this.transport, info, options);
  }
}
