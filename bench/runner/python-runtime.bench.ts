/**
 * The command round trip against upstream's own python-runtime server (FastAPI + uvicorn) as
 * the baseline: the same client sends sequential `POST /execute {"command":"true"}` to both, and
 * `POST /v1/commands {"cmd":["true"]}` to Corral. Upstream's code is never committed: point
 * CORRAL_BENCH_UPSTREAM_RUNTIME at its main.py (examples/python-runtime-sandbox/main.py of
 * kubernetes-sigs/agent-sandbox); CORRAL_BENCH_PYTHON names a python3 with fastapi and uvicorn
 * (default: /usr/bin/python3, then python3). Without them the baseline row says it was skipped.
 * Corral's runner runs twice: with the local provider's node flags and with node's defaults.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { RUNNER_LITE_NODE_FLAGS, RUNNER_NODE_FLAGS } from '../../packages/runner/src/node-flags.js';
import { startRunner } from '../../packages/runner/test/helpers.js';
import { nowMs, percentile, type Benchmark, type BenchRow } from '../lib.js';

function post(port: number, path: string, body: string, agent: http.Agent): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`${path}: ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function roundTrips(port: number, path: string, body: string, n: number): Promise<number[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    for (let i = 0; i < 20; i++) await post(port, path, body, agent);
    const samples: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = nowMs();
      await post(port, path, body, agent);
      samples.push(nowMs() - t0);
    }
    return samples;
  } finally {
    agent.destroy();
  }
}

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

function findPython(): string | undefined {
  const candidates = [process.env.CORRAL_BENCH_PYTHON, '/usr/bin/python3', 'python3'];
  for (const python of candidates) {
    if (!python) continue;
    const probe = spawnSync(python, ['-c', 'import fastapi, uvicorn, multipart'], {
      stdio: 'ignore',
    });
    if (probe.status === 0) return python;
  }
  return undefined;
}

/** Starts upstream's server on a free port; resolves once it answers GET /. */
async function startUpstream(
  python: string,
  mainPy: string,
  baseDir: string,
): Promise<{ child: ChildProcess; port: number }> {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const child = spawn(
    python,
    [
      '-m',
      'uvicorn',
      `${basename(mainPy, '.py')}:app`,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--log-level',
      'warning',
    ],
    {
      cwd: dirname(mainPy),
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', SANDBOX_BASE_DIR: baseDir },
      stdio: 'ignore',
    },
  );
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`upstream server exited (${code})`))),
  );
  const ready = (async () => {
    for (;;) {
      const ok = await new Promise<boolean>((resolve) => {
        http
          .get({ host: '127.0.0.1', port, path: '/' }, (res) => {
            res.resume();
            resolve(res.statusCode === 200);
          })
          .on('error', () => resolve(false));
      });
      if (ok) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  await Promise.race([ready, exited]);
  return { child, port };
}

const bench: Benchmark = {
  title: 'runner vs upstream python-runtime (sequential `true` over TCP, one keep-alive client)',
  async run({ quick }) {
    const n = quick ? 100 : 200;
    const rssCommands = quick ? 2000 : 10_000;
    const rows: BenchRow[] = [];
    const mainPy = process.env.CORRAL_BENCH_UPSTREAM_RUNTIME;
    const python = mainPy ? findPython() : undefined;
    let upstreamP50: number | undefined;
    let upstreamRss: number | undefined;
    if (mainPy && python) {
      const baseDir = await mkdtemp(join(tmpdir(), 'corral-bench-upstream-'));
      const upstream = await startUpstream(python, mainPy, baseDir);
      try {
        const samples = await roundTrips(upstream.port, '/execute', '{"command":"true"}', n);
        upstreamP50 = percentile(samples, 50);
        upstreamRss = await rssMb(upstream.child.pid!);
        rows.push({ name: 'upstream python-runtime /execute p50', value: upstreamP50, unit: 'ms' });
        rows.push({
          name: 'upstream python-runtime /execute p99',
          value: percentile(samples, 99),
          unit: 'ms',
        });
      } finally {
        upstream.child.kill('SIGKILL');
        await rm(baseDir, { recursive: true, force: true });
      }
    } else {
      const why = !mainPy
        ? 'CORRAL_BENCH_UPSTREAM_RUNTIME (path to upstream main.py) is not set'
        : 'no python3 with fastapi, uvicorn and python-multipart (apt: python3-fastapi python3-uvicorn python3-multipart)';
      rows.push({ name: `upstream baseline SKIPPED: ${why}`, value: 0, unit: 'count' });
    }
    // the local provider's node flags (with and without lite mode), and node's defaults beside them
    for (const [label, nodeArgs] of [
      ['', [...RUNNER_NODE_FLAGS, ...RUNNER_LITE_NODE_FLAGS]],
      [' (no lite mode)', RUNNER_NODE_FLAGS],
      [' (node defaults)', []],
    ] as const) {
      const runner = await startRunner({ nodeArgs });
      try {
        const port = (runner.target as { port: number }).port;
        for (const [path, body] of [
          ['/execute', '{"command":"true"}'],
          ['/v1/commands', '{"cmd":["true"]}'],
        ] as const) {
          const samples = await roundTrips(port, path, body, n);
          const p50 = percentile(samples, 50);
          rows.push({
            name: `Corral runner${label} ${path} p50`,
            value: p50,
            unit: 'ms',
            ...(upstreamP50 !== undefined
              ? {
                  baseline: { label: 'upstream /execute p50', value: upstreamP50 },
                  goal: { text: '≤ upstream', met: p50 <= upstreamP50 },
                }
              : {}),
          });
          rows.push({
            name: `Corral runner${label} ${path} p99`,
            value: percentile(samples, 99),
            unit: 'ms',
          });
        }
        // the goal is for 10k commands; the retained history (256 exited commands) is full long before
        const sent = 2 * (n + 20);
        await roundTrips(port, '/v1/commands', '{"cmd":["true"]}', rssCommands - sent - 20);
        const rss = await rssMb(runner.child.pid!);
        rows.push({
          name: `Corral runner${label} RSS after ${rssCommands} commands`,
          value: rss,
          unit: 'MB',
          ...(upstreamRss !== undefined
            ? { baseline: { label: 'upstream RSS', value: upstreamRss } }
            : {}),
          goal: { text: '< 50 MB', met: rss < 50 },
        });
      } finally {
        await runner.stop();
      }
    }
    return rows;
  },
};

export default bench;
