/**
 * The runner's side of the exec helper (docs/decisions/0031): starts the helper process, frames
 * requests to it, routes its frames to the `HelperChild` they belong to, and — when it dies —
 * SIGKILLs the process groups it was watching and reports them as killed, so no command is left
 * running unobserved. `Spawner` picks the helper when it is up and `child_process.spawn` else.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '../log.js';
import { HelperChild } from './helper-child.js';
import { FRAME, HELPER_SOURCE } from './helper-source.js';

const HEADER_BYTES = 9;
/** Reads exactly argv[1] bytes of program from stdin and runs it; the frames follow on stdin. */
const BOOTSTRAP =
  'import os,sys;n=int(sys.argv[1]);b=bytearray();' +
  '[b.extend(os.read(0,n-len(b)) or sys.exit(3)) for _ in iter(lambda:len(b)<n,False)];exec(bytes(b))';
/** Where the helper's interpreter is looked for; the first that starts the helper wins. */
const PYTHONS = ['/usr/bin/python3', '/usr/local/bin/python3', 'python3'];

export interface SpawnOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/**
 * The spawn frame's payload: argc, argv, cwd and `NAME=value` entries, NUL-separated (the
 * helper splits them without importing json). None of them can hold a NUL in an exec, so one
 * that does is refused here as `child_process.spawn` refuses it.
 */
export function encodeSpawn(argv: string[], options: SpawnOptions): Buffer {
  const fields = [String(argv.length), ...argv, options.cwd];
  for (const [k, v] of Object.entries(options.env)) if (v !== undefined) fields.push(`${k}=${v}`);
  const bad = fields.find((f) => f.includes('\0'));
  if (bad !== undefined) {
    const error = new TypeError(
      `The argument, working directory or environment entry ${JSON.stringify(bad.slice(0, 80))} contains a null byte; remove it`,
    ) as TypeError & { code: string };
    error.code = 'ERR_INVALID_ARG_VALUE';
    throw error;
  }
  return Buffer.from(fields.join('\0'));
}

export class ExecHelper {
  private readonly children = new Map<number, HelperChild>();
  private next = 1;
  private pending: Buffer = Buffer.alloc(0);
  private alive = true;
  private closing = false;

  private constructor(
    private readonly proc: ChildProcess,
    private readonly logger: Logger | undefined,
  ) {
    proc.stdin!.on('error', () => undefined);
    proc.stdout!.on('data', (chunk: Buffer) => this.receive(chunk));
    proc.once('exit', (code, signal) => this.died(code, signal));
  }

  /** Starts the helper; undefined when no interpreter here can run it (the caller spawns). */
  static async start(logger?: Logger, pythons = PYTHONS): Promise<ExecHelper | undefined> {
    for (const python of pythons) {
      const helper = await ExecHelper.tryStart(python, logger);
      if (helper) return helper;
    }
    return undefined;
  }

  private static tryStart(python: string, logger?: Logger): Promise<ExecHelper | undefined> {
    return new Promise((resolve) => {
      // An empty environment: the helper needs none and must not see the runner's token.
      // The program arrives on stdin (argv stays one short line in `ps` and /proc/<pid>/cmdline).
      const source = Buffer.from(HELPER_SOURCE);
      const proc = spawn(python, ['-I', '-S', '-c', BOOTSTRAP, String(source.length)], {
        env: {},
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      proc.stdin.on('error', () => undefined);
      proc.stdin.write(source);
      let stderr = '';
      proc.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2048)));
      const fail = () => {
        proc.stdout.off('data', onData);
        resolve(undefined);
      };
      const onData = (chunk: Buffer) => {
        proc.stdout.off('data', onData);
        proc.off('exit', fail);
        proc.off('error', fail);
        if (chunk.length < HEADER_BYTES || chunk[4] !== FRAME.ready) {
          proc.kill('SIGKILL');
          resolve(undefined);
          return;
        }
        const helper = new ExecHelper(proc, logger);
        if (chunk.length > HEADER_BYTES) helper.receive(chunk.subarray(HEADER_BYTES));
        logger?.log('info', 'exec helper ready', { python, pid: proc.pid });
        resolve(helper);
      };
      proc.once('error', fail);
      proc.once('exit', fail);
      proc.stdout.on('data', onData);
    });
  }

  get usable(): boolean {
    return this.alive && !this.closing;
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  spawn(file: string, args: string[], options: SpawnOptions): HelperChild {
    const n = this.next++;
    const child = new HelperChild(n, file, args, (type, id, payload) =>
      this.send(type, id, payload),
    );
    this.children.set(n, child);
    child.once('close', () => this.children.delete(n));
    child.once('error', () => this.children.delete(n));
    this.send(FRAME.spawn, n, encodeSpawn([file, ...args], options));
    return child;
  }

  /** Ends the helper (it SIGKILLs the groups it still watches when its stdin closes). */
  close(): Promise<void> {
    this.closing = true;
    if (!this.alive) return Promise.resolve();
    const exited = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    this.proc.stdin!.end();
    return exited;
  }

  private send(type: number, n: number, payload: Buffer = Buffer.alloc(0)): void {
    if (!this.alive) return;
    const header = Buffer.allocUnsafe(HEADER_BYTES);
    header.writeUInt32BE(payload.length, 0);
    header.writeUInt8(type, 4);
    header.writeUInt32BE(n, 5);
    this.proc.stdin!.write(payload.length > 0 ? Buffer.concat([header, payload]) : header);
  }

  private receive(chunk: Buffer): void {
    let buf = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    while (buf.length >= HEADER_BYTES) {
      const size = buf.readUInt32BE(0);
      if (buf.length < HEADER_BYTES + size) break;
      const type = buf.readUInt8(4);
      const n = buf.readUInt32BE(5);
      const payload = buf.subarray(HEADER_BYTES, HEADER_BYTES + size);
      buf = buf.subarray(HEADER_BYTES + size);
      this.children.get(n)?.frame(type, payload);
    }
    this.pending = buf.length > 0 ? Buffer.from(buf) : Buffer.alloc(0);
  }

  private died(code: number | null, signal: NodeJS.Signals | null): void {
    this.alive = false;
    const notice = `the exec helper exited (${signal ?? `exit ${code}`}); the command was killed`;
    if (!this.closing) this.logger?.log('error', 'exec helper died', { code, signal });
    for (const child of [...this.children.values()]) {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      child.helperDied(notice);
    }
    this.children.clear();
  }
}
