/**
 * Issue 13 item 3: a Kubernetes SDK script ends when its work ends. It creates a sandbox, runs a
 * command and kills it, and never calls `Sandbox.shutdown()`: the provider's watches (and
 * port-forwards) must not keep its event loop alive once no sandbox of it is live.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REAL_CLUSTER, startE2eCluster, type E2eCluster } from './e2e-cluster.js';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const here = fileURLToPath(new URL('.', import.meta.url));
/** Far above the few seconds the script needs, even on a loaded machine. */
const EXIT_BUDGET_MS = 150_000;

let cluster: E2eCluster;
let dir: string;

beforeAll(async () => {
  cluster = await startE2eCluster();
  dir = await mkdtemp(join(tmpdir(), 'corral-exits-'));
});

afterAll(async () => {
  await cluster?.stop();
  await rm(dir, { recursive: true, force: true });
});

const SCRIPT = `
import { Sandbox } from '@corral/sdk';
const sandbox = await Sandbox.create({
  provider: 'kubernetes',
  kubernetes: { namespace: process.env.NS, warmPool: process.env.POOL },
  timeoutMs: 60_000,
});
try {
  const result = await sandbox.commands.run(['sh', '-c', 'echo ran-$((6 * 7))']);
  process.stdout.write(result.stdout);
} finally {
  await sandbox.kill();
}
process.stdout.write('work done\\n');
`;

/** Runs the script as its own Node process; resolves with how it ended, or kills it at the budget. */
function runScript(
  file: string,
  env: Record<string, string>,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=@corral/source', '--import', 'tsx', file],
      {
        cwd: repoRoot,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    const budget = setTimeout(() => child.kill('SIGKILL'), EXIT_BUDGET_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(budget);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

describe.skipIf(REAL_CLUSTER)('a Kubernetes SDK script without Sandbox.shutdown()', () => {
  it.each([
    ['port-forward', ''],
    ['direct', '10.0.0.1'],
  ])(
    'exits by itself after kill (%s connection)',
    async (_mode, serviceHost) => {
      const kubeconfig = join(dir, `kubeconfig-${_mode}`);
      await cluster.fake!.writeKubeconfig(kubeconfig);
      // Inside the workspace so that `@corral/sdk` resolves the way it does for a user.
      const file = join(here, `.script-exits-${process.pid}-${_mode}.generated.mjs`);
      await writeFile(file, SCRIPT);
      try {
        const run = await runScript(file, {
          KUBECONFIG: kubeconfig,
          // Empty: outside a cluster (port-forward); set: in a pod (direct to the pod IP).
          KUBERNETES_SERVICE_HOST: serviceHost,
          NS: cluster.namespace,
          POOL: cluster.servePool,
        });
        expect(run.stderr).toBe('');
        expect(run.stdout).toBe('ran-42\nwork done\n');
        // SIGKILL would mean the budget ran out: something kept the event loop alive.
        expect(run.signal).toBeNull();
        expect(run.code).toBe(0);
      } finally {
        await rm(file, { force: true });
      }
      expect(await cluster.claimNames({ any: true })).toEqual([]);
    },
    EXIT_BUDGET_MS + 30_000,
  );
});
