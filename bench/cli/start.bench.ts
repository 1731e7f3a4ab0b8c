/**
 * `corral --help` and `corral sandbox list` (local, empty state dir) as users run them — the
 * built CLI, `packages/cli/bin/corral.js` (run `npm run build` first) — beside `node -e 0` in the
 * same run and the same environment, interleaved so machine load hits all three alike. Peak
 * RSS comes from GNU time's maximum resident set size.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Benchmark, type BenchRow, median, nowMs } from '../lib.js';

const bin = fileURLToPath(new URL('../../packages/cli/bin/corral.js', import.meta.url));

/** Wall milliseconds and peak RSS (MB) of one run under `/usr/bin/time -f %M`. */
function timed(args: string[], env: NodeJS.ProcessEnv): Promise<{ ms: number; rssMb: number }> {
  const start = nowMs();
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', '%M', process.execPath, ...args], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = nowMs() - start;
      const kb = Number(/(\d+)\s*$/.exec(err.trim())?.[1]);
      if (code !== 0 || !Number.isFinite(kb)) reject(new Error(`${args.join(' ')}: ${err}`));
      else resolve({ ms, rssMb: kb / 1024 });
    });
  });
}

const benchmark: Benchmark = {
  title: 'CLI start (built CLI, beside node -e 0)',
  async run({ quick }) {
    const stateDir = await mkdtemp(join(tmpdir(), 'corral-bench-cli-'));
    const env = { ...process.env, CORRAL_STATE_DIR: stateDir, NO_COLOR: '1' };
    const cases = {
      node: ['-e', '0'],
      help: [bin, '--help'],
      list: [bin, 'sandbox', 'list'],
    };
    const samples = { node: [] as number[], help: [] as number[], list: [] as number[] };
    const rss = { node: 0, help: 0, list: 0 };
    try {
      for (let i = 0; i < (quick ? 5 : 20); i++) {
        for (const key of ['node', 'help', 'list'] as const) {
          const { ms, rssMb } = await timed(cases[key], env);
          samples[key].push(ms);
          rss[key] = Math.max(rss[key], rssMb);
        }
      }
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
    const base = median(samples.node);
    const row = (name: string, key: 'help' | 'list'): BenchRow[] => [
      {
        name: `${name} p50`,
        value: median(samples[key]),
        unit: 'ms',
        baseline: { label: 'node -e 0 p50', value: base },
        goal: { text: '<= node -e 0 + 100 ms', met: median(samples[key]) <= base + 100 },
      },
      {
        name: `${name} peak RSS`,
        value: rss[key],
        unit: 'MB',
        baseline: { label: 'node -e 0', value: rss.node },
      },
    ];
    return [...row('corral --help', 'help'), ...row('corral sandbox list (local)', 'list')];
  },
};

export default benchmark;
