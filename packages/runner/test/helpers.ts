/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- tests read untyped JSON answers */
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runnerBundlePath } from '../src/bundle-path.js';

export interface StartedRunner {
  child: ChildProcess;
  /** `{ port }` for TCP, `{ socketPath }` for a unix socket. */
  target: { port: number } | { socketPath: string };
  logs: string[];
  root: string;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

export async function tempDir(prefix = 'corral-runner-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Spawns the bundled runner and resolves once it logged `"msg":"listening"`. */
export async function startRunner(
  options: {
    args?: string[];
    env?: Record<string, string>;
    root?: string;
    socket?: boolean;
    /** Options for node itself, before the bundle (e.g. `RUNNER_NODE_FLAGS`). */
    nodeArgs?: readonly string[];
  } = {},
): Promise<StartedRunner> {
  const root = options.root ?? (await tempDir());
  const socketPath = options.socket ? join(root, '..', `${root.split('/').pop()}.sock`) : undefined;
  const args = [
    ...(options.nodeArgs ?? []),
    runnerBundlePath(),
    '--root',
    root,
    ...(socketPath ? ['--socket', socketPath] : ['--host', '127.0.0.1', '--port', '0']),
    ...(options.args ?? ['--mode', 'serve']),
  ];
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const listening = new Promise<Record<string, unknown>>((resolve, reject) => {
    let pending = '';
    child.stdout.on('data', (d: Buffer) => {
      pending += d.toString();
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        logs.push(line);
        if (line.includes('"msg":"listening"'))
          resolve(JSON.parse(line) as Record<string, unknown>);
      }
    });
    void exited.then((code) =>
      reject(new Error(`runner exited (${code}) before listening: ${stderr}`)),
    );
  });
  const line = await listening;
  const address = String(line.address);
  const target = socketPath ? { socketPath } : { port: Number(address.split(':').pop()) };
  return {
    child,
    target,
    logs,
    root,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      await rm(root, { recursive: true, force: true });
      if (socketPath) await rm(socketPath, { force: true });
    },
  };
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
  json: any;
}

/** A raw HTTP call; `path` is sent as is (no URL normalisation, so `..` reaches the server). */
export function call(
  runner: Pick<StartedRunner, 'target'>,
  method: string,
  path: string,
  options: { body?: string | Buffer; headers?: Record<string, string | number> } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        method,
        path,
        headers: options.headers,
        ...runner.target,
        ...('port' in runner.target ? { host: '127.0.0.1' } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          const text = body.toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text, json });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

export function jsonBody(value: unknown): { body: string; headers: Record<string, string> } {
  return { body: JSON.stringify(value), headers: { 'content-type': 'application/json' } };
}

export function ndjson(text: string): any[] {
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l));
}
