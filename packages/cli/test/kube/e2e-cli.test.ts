/**
 * `corral --provider kubernetes` end to end, as real processes against the fake cluster whose
 * runner pods really run (the SDK's e2e harness). The CLI runs outside the cluster, so the
 * provider reaches runners through port-forward. Every command ends with no claims left.
 * Each CLI process costs a node + tsx start (~1–2 s), so independent commands run concurrently.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProcessRuntime } from '@corral/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  REAL_CLUSTER,
  startE2eCluster,
  type E2eCluster,
} from '../../../sdk/test/kubernetes/e2e-cluster.js';
import { corral, makeStateDir, waitForOutput } from '../helpers/corral.js';
import type { CorralRun } from '../helpers/corral.js';

describe.skipIf(REAL_CLUSTER)(
  'corral --provider kubernetes against real runner pods (fake only: reads the fake kubeconfig)',
  () => {
    let cluster: E2eCluster;
    let stateDir: string;
    let kubeconfig: string;

    const cli = (args: string[]): Promise<CorralRun> =>
      corral(args, {
        stateDir,
        // KUBERNETES_SERVICE_HOST empty: the CLI is outside the cluster (port-forward mode).
        env: { KUBECONFIG: kubeconfig, KUBERNETES_SERVICE_HOST: '' },
      });

    beforeAll(async () => {
      cluster = await startE2eCluster();
      stateDir = await makeStateDir();
      kubeconfig = join(stateDir, 'kubeconfig');
      await cluster.fake!.writeKubeconfig(kubeconfig);
    });
    afterEach(async () => {
      // No runner pod outlives a command: every one was deleted and its process stopped.
      await cluster.fake!.kubelet!.whenIdle();
      expect((cluster.fake!.kubelet!.runtime as ProcessRuntime).processes()).toEqual([]);
    });
    afterAll(async () => {
      await cluster?.stop();
      await rm(stateDir, { recursive: true, force: true });
    });

    it('corral run prints the output and exits with the command code', async () => {
      const pool = cluster.servePool;
      const [ok, failed] = await Promise.all([
        cli(['run', '--provider', 'kubernetes', '--warm-pool', pool, '--', 'echo', 'hi']),
        cli([
          'run',
          '--provider',
          'kubernetes',
          '--warm-pool',
          pool,
          '--',
          'sh',
          '-c',
          'echo partial; echo bad >&2; exit 3',
        ]),
      ]);
      expect(ok).toMatchObject({ code: 0, stdout: 'hi\n' });
      expect(failed).toMatchObject({ code: 3, stdout: 'partial\n' });
      expect(failed.stderr).toContain('bad\n');
      expect(await cluster.claimNames({ any: true })).toEqual([]);
    });

    it('corral task run on a one-shot pool prints the result', async () => {
      const run = await cli([
        'task',
        'run',
        '--provider',
        'kubernetes',
        '--warm-pool',
        cluster.oneshotPool,
        '--task-id',
        'cli-task-1',
        '--message',
        'm',
        '--command',
        'echo done',
      ]);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('Task cli-task-1 exited 0');
      expect(run.stdout).toContain('done');
      expect(await cluster.claimNames({ any: true })).toEqual([]);
    });

    it('corral sandbox create, exec, logs and rm', async () => {
      const kube = ['--provider', 'kubernetes'];
      const created = await cli(['sandbox', 'create', ...kube, '--warm-pool', cluster.servePool]);
      expect(created.code).toBe(0);
      const id = created.stdout.trim();
      expect(await cluster.claimNames({ any: true })).toEqual([id]);
      try {
        // Independent: exec through the runner (port-forward), logs from pods/log.
        const [exec, logs] = await Promise.all([
          cli(['sandbox', 'exec', ...kube, id, '--', 'sh', '-c', 'echo in-pod; exit 5']),
          cli(['sandbox', 'logs', ...kube, id]),
        ]);
        expect(exec).toMatchObject({ code: 5, stdout: 'in-pod\n' });
        expect(logs.code).toBe(0);
        const lines = logs.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { msg?: string });
        expect(lines.some((l) => l.msg === 'listening')).toBe(true);
      } finally {
        const removed = await cli(['sandbox', 'rm', ...kube, id]);
        expect(removed).toMatchObject({ code: 0, stdout: `${id}\n` });
      }
      expect(await cluster.claimNames({ any: true })).toEqual([]);
      // Four CLI processes in a row: ~30 s at load 16 on 2 cores, so far more than the default.
    }, 180_000);

    it('Ctrl-C during corral run removes the claim', async () => {
      let interrupted: Promise<void> | undefined;
      const run = await corral(
        [
          'run',
          '--provider',
          'kubernetes',
          '--warm-pool',
          cluster.servePool,
          '--',
          'sh',
          '-c',
          'echo started; sleep 60',
        ],
        {
          stateDir,
          env: { KUBECONFIG: kubeconfig, KUBERNETES_SERVICE_HOST: '' },
          onSpawn: (child, output) => {
            interrupted = waitForOutput(child, output.stdout, 'started').then(() => {
              child.kill('SIGINT');
            });
          },
        },
      );
      await interrupted;
      expect(run.code).toBe(130);
      expect(run.stderr).toContain('Interrupted by SIGINT');
      expect(await cluster.claimNames({ any: true })).toEqual([]);
    });
  },
);
