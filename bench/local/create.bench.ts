/**
 * Local sandbox create-to-first-command, cold and from the warm pool, beside bare baselines:
 * a spawn of `true` and `node -e 0` with a clean environment (this machine sets
 * NODE_EXTRA_CA_CERTS, which alone costs node ~45 ms per start; sandboxes start node with a
 * cleared environment, so the clean-env node is the fair baseline).
 */
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { join } from 'node:path';
import {
  createLocalProvider,
  detectIsolation,
  launchSandbox,
} from '../../packages/sdk/src/local/index.js';
import type { RunnerEndpoint } from '../../packages/sdk/src/provider.js';
import { type Benchmark, type BenchRow, median, nowMs } from '../lib.js';

function spawnMs(file: string, args: string[]): Promise<number> {
  const start = nowMs();
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: { PATH: '/usr/bin:/bin' }, stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', () => resolve(nowMs() - start));
  });
}

/** Runs `true` through the runner and waits for its exit event. */
function firstCommand(endpoint: RunnerEndpoint): Promise<void> {
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
        res.on('end', () =>
          res.statusCode === 200 && body.includes('"exit"')
            ? resolve()
            : reject(new Error(`runner: ${res.statusCode} ${body}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ cmd: ['true'] }));
  });
}

const bench: Benchmark = {
  title: 'local provider (bubblewrap, cgroups when root)',
  async run({ quick }) {
    const runs = quick ? 5 : 20;
    const root = process.getuid?.() === 0;
    const stateDir = await mkdtemp(join(root ? '/var/lib' : '/tmp', 'corral-bench-'));
    // the dropped uid must traverse it to reach its binds, as in a provider's state dir
    await chmod(stateDir, 0o711);
    const rows: BenchRow[] = [];
    try {
      const trueMs: number[] = [];
      const nodeMs: number[] = [];
      for (let i = 0; i < runs; i++) {
        trueMs.push(await spawnMs('true', []));
        nodeMs.push(await spawnMs(process.execPath, ['-e', '0']));
      }
      const bareTrue = median(trueMs);
      const bareNode = median(nodeMs);
      rows.push({ name: 'spawn `true` p50', value: bareTrue, unit: 'ms' });
      rows.push({ name: '`node -e 0` (clean env) p50', value: bareNode, unit: 'ms' });

      const limits = { memoryBytes: 512 * 1024 * 1024, maxProcesses: 256 };
      // the sandbox alone: launcher (cgroups, uid drop, bwrap, seccomp) around `node -e 0`
      const report = await detectIsolation();
      const sandboxedNodeMs: number[] = [];
      for (let i = 0; i < runs; i++) {
        const start = nowMs();
        const sb = await launchSandbox({
          name: `bench-node-${i}`,
          level: 'bubblewrap',
          baseDir: join(stateDir, `bench-node-${i}`),
          ...(root ? { uid: 10_001 } : {}),
          network: { mode: 'none' },
          limits,
          cgroups: report.cgroups,
          command: (p) => [p.node, '-e', '0'],
        });
        const exit = await sb.exited;
        sandboxedNodeMs.push(nowMs() - start);
        // a launcher that fails at once would look fast
        if (exit.code !== 0)
          throw new Error(`sandboxed node -e 0 exited with ${JSON.stringify(exit)}`);
        await sb.stop();
        await rm(join(stateDir, `bench-node-${i}`), { recursive: true, force: true });
      }
      rows.push({
        name: 'sandboxed `node -e 0` (launcher only) p50',
        value: median(sandboxedNodeMs),
        unit: 'ms',
        baseline: { label: 'node -e 0', value: bareNode },
      });

      // cold: a runner started for the create. As root the provider keeps a spare work disk
      // (decision 0049) after its second create; the rows with and without it alternate
      const withSpare = createLocalProvider({ stateDir, limits });
      const noSpare = createLocalProvider({ stateDir, limits, spareWorkDisk: false });
      const coldMs: number[] = [];
      const noSpareMs: number[] = [];
      for (const p of [withSpare, noSpare]) {
        await p.isolation(); // one-time probing is not part of a create
        await p.delete((await p.create()).info.id); // warm the page cache
      }
      for (let i = 0; i < runs; i++) {
        for (const [p, out] of [
          [withSpare, coldMs],
          [noSpare, noSpareMs],
        ] as const) {
          await p.whenSpareDiskReady();
          const start = nowMs();
          const sb = await p.create();
          await firstCommand(sb.endpoint);
          out.push(nowMs() - start);
          await p.delete(sb.info.id);
        }
      }
      await withSpare.close();
      await noSpare.close();
      const coldP50 = median(coldMs);
      rows.push({
        name: `cold create → first command p50${root ? ' (spare work disk)' : ''}`,
        value: coldP50,
        unit: 'ms',
        baseline: { label: 'node -e 0', value: bareNode },
        goal: { text: '≤ node -e 0 + 60 ms', met: coldP50 <= bareNode + 60 },
      });
      if (root)
        rows.push({
          name: 'cold create → first command p50 (work disk made in the create)',
          value: median(noSpareMs),
          unit: 'ms',
          baseline: { label: 'node -e 0', value: bareNode },
        });

      const warm = createLocalProvider({ stateDir, limits, minReady: 1 });
      const warmMs: number[] = [];
      const claimMs: number[] = [];
      for (let i = 0; i < runs; i++) {
        await warm.whenPoolReady();
        const start = nowMs();
        const sb = await warm.create();
        claimMs.push(nowMs() - start);
        await firstCommand(sb.endpoint);
        warmMs.push(nowMs() - start);
        await warm.delete(sb.info.id);
      }
      await warm.close();
      const warmP50 = median(warmMs);
      rows.push({
        name: 'warm-pool create → first command p50',
        value: warmP50,
        unit: 'ms',
        baseline: { label: 'spawn true', value: bareTrue },
        goal: { text: '< 5 ms', met: warmP50 < 5 },
      });
      rows.push({ name: 'warm-pool create (claim only) p50', value: median(claimMs), unit: 'ms' });
      return rows;
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  },
};

export default bench;
