/** Test helpers: talk to a sandbox's runner over its unix socket, and check for leftovers. */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import http from 'node:http';
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunnerEndpoint } from '../../src/provider.js';

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  signal: string | null;
}

/** Runs `sh -c script` through the runner (`POST /v1/commands`, streamed events). */
export function runnerExec(
  endpoint: RunnerEndpoint,
  script: string,
  timeoutMs = 20_000,
): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        socketPath: endpoint.socketPath,
        path: '/v1/commands',
        method: 'POST',
        headers: { authorization: `Bearer ${endpoint.token}`, 'content-type': 'application/json' },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => {
          if (res.statusCode !== 200)
            return reject(new Error(`runner answered ${res.statusCode}: ${body}`));
          const out: ExecResult = { stdout: '', stderr: '', exitCode: null, signal: null };
          for (const raw of body.split('\n')) {
            const line = raw.replace(/^data: /, '').trim();
            if (!line.startsWith('{')) continue;
            const event = JSON.parse(line);
            const data =
              event.encoding === 'base64'
                ? Buffer.from(event.data, 'base64').toString()
                : event.data;
            if (event.type === 'stdout') out.stdout += data;
            if (event.type === 'stderr') out.stderr += data;
            if (event.type === 'exit') {
              out.exitCode = event.exitCode;
              out.signal = event.signal;
            }
          }
          resolve(out);
        });
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ shell: script, timeoutMs }));
  });
}

export function healthz(endpoint: RunnerEndpoint): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(
        {
          socketPath: endpoint.socketPath,
          path: '/healthz',
          headers: { authorization: `Bearer ${endpoint.token}` },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      )
      .on('error', reject);
  });
}

export async function pidsOfUid(uid: number): Promise<number[]> {
  const out: number[] = [];
  for (const e of await readdir('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const status = await readFile(`/proc/${e}/status`, 'utf8');
      const m = /^Uid:\s+(\d+)/m.exec(status);
      if (m && Number(m[1]) === uid && !/^State:\s+Z/m.test(status)) out.push(Number(e));
    } catch {
      // exited
    }
  }
  return out;
}

/** Everything a sandbox could leave behind, for `expect(...).toEqual([])`. */
export async function leftovers(
  info: { metadata: Record<string, string> },
  cgroupName: string,
): Promise<string[]> {
  const left: string[] = [];
  const uid = info.metadata.uid;
  if (uid !== undefined)
    for (const pid of await pidsOfUid(Number(uid))) left.push(`process ${pid} of uid ${uid}`);
  for (const c of ['memory', 'cpu', 'pids']) {
    const dir = `/sys/fs/cgroup/${c}/corral/${cgroupName}`;
    if (existsSync(dir)) left.push(`cgroup ${dir}`);
  }
  if (info.metadata.stateDir && existsSync(info.metadata.stateDir))
    left.push(`dir ${info.metadata.stateDir}`);
  const mounts = await readFile('/proc/self/mountinfo', 'utf8');
  if (info.metadata.stateDir && mounts.includes(info.metadata.stateDir)) left.push('mount');
  return left;
}

export async function tempStateDir(): Promise<string> {
  // under /var/lib so a root test run's dropped uids can traverse it (see state.ts)
  const base = process.getuid?.() === 0 ? '/var/lib' : '/tmp';
  return mkdtemp(join(base, 'corral-test-'));
}

export const isRoot = process.getuid?.() === 0;
