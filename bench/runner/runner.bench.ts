/**
 * The runner through RunnerClient: command round trip vs a bare spawn, 100 MB write+read
 * throughput, and the runner's idle memory.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { RunnerClient } from '../../packages/sdk/src/runner-client/index.js';
import { RUNNER_LITE_NODE_FLAGS, RUNNER_NODE_FLAGS } from '../../packages/runner/src/node-flags.js';
import { startRunner } from '../../packages/runner/test/helpers.js';
import { nowMs, percentile, type Benchmark } from '../lib.js';

function spawnTrue(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('true');
    child.once('error', reject);
    child.once('exit', () => resolve());
  });
}

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

const bench: Benchmark = {
  title: 'runner (RunnerClient over a unix socket)',
  async run({ quick }) {
    const runner = await startRunner({
      socket: true,
      nodeArgs: [...RUNNER_NODE_FLAGS, ...RUNNER_LITE_NODE_FLAGS],
    });
    const socketPath = (runner.target as { socketPath: string }).socketPath;
    const client = new RunnerClient({ baseUrl: 'http://localhost', socketPath });
    try {
      await new Promise((r) => setTimeout(r, 300));
      const idle = await rssMb(runner.child.pid!);
      const n = quick ? 50 : 300;
      for (let i = 0; i < 20; i++) await client.commands.run(['true']);
      const viaRunner: number[] = [];
      for (let i = 0; i < n; i++) {
        const t0 = nowMs();
        await client.commands.run(['true']);
        viaRunner.push(nowMs() - t0);
      }
      const bare: number[] = [];
      for (let i = 0; i < n; i++) {
        const t0 = nowMs();
        await spawnTrue();
        bare.push(nowMs() - t0);
      }
      const size = 100 * 1024 * 1024;
      const chunk = Buffer.alloc(1024 * 1024, 7);
      const t0 = nowMs();
      await client.files.write(
        'bench.bin',
        Readable.from(
          (function* () {
            for (let i = 0; i < 100; i++) yield chunk;
          })(),
        ),
      );
      let read = 0;
      for await (const c of await client.files.read('bench.bin', { format: 'stream' }))
        read += (c as Buffer).length;
      const seconds = (nowMs() - t0) / 1000;
      if (read !== size) throw new Error(`read ${read} bytes, expected ${size}`);
      const mbps = (2 * size) / (1024 * 1024) / seconds;
      const p50 = percentile(viaRunner, 50);
      return [
        {
          name: 'commands.run(true) p50',
          value: p50,
          unit: 'ms',
          baseline: { label: 'bare spawn p50', value: percentile(bare, 50) },
          goal: { text: '< 5 ms', met: p50 < 5 },
        },
        {
          name: 'commands.run(true) p99',
          value: percentile(viaRunner, 99),
          unit: 'ms',
          baseline: { label: 'bare spawn p99', value: percentile(bare, 99) },
        },
        {
          name: '100 MB write + read',
          value: mbps,
          unit: 'MB/s',
          goal: { text: '>= 300 MB/s', met: mbps >= 300 },
        },
        {
          name: 'runner idle RSS',
          value: idle,
          unit: 'MB',
          goal: { text: '< 50 MB', met: idle < 50 },
        },
      ];
    } finally {
      client.close();
      await runner.stop();
    }
  },
};

export default bench;
