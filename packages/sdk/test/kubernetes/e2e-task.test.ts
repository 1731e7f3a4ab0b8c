/**
 * The task flow on Kubernetes with a one-shot runner (deploy/v1beta1's template): claim → Ready
 * → `tasks.submit` → 202 → the runner runs the task and exits → pod Succeeded → claim
 * `Finished=True` → the pod log is still readable → delete → no claims left. One runner pod.
 */
import { waitForFinished } from '@corral/agent-sandbox';
import { Sandbox } from '@corral/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  E2E_MODES,
  CLUSTER_LABEL,
  REAL_CLUSTER,
  startE2eCluster,
  type E2eCluster,
} from './e2e-cluster.js';

let cluster: E2eCluster;
beforeAll(async () => {
  cluster = await startE2eCluster();
});
afterAll(async () => {
  await cluster?.stop();
});

describe(`a one-shot task on Kubernetes (${CLUSTER_LABEL})`, () => {
  it('runs the task, the pod succeeds, the claim finishes, and the log outlives the runner', async () => {
    const provider = cluster.provider({
      warmPool: cluster.oneshotPool,
      connection: { mode: E2E_MODES[0]! },
    });
    const sandbox = await Sandbox.create({ provider, kubernetes: { taskId: 'task-e2e-1' } });
    try {
      expect(sandbox.cachedInfo.taskId).toBe('task-e2e-1');
      const health = await sandbox.runner.health();
      expect(health).toMatchObject({ mode: 'oneshot' });

      const accepted = await sandbox.tasks.submit({
        taskID: 'task-e2e-1',
        message: 'hello',
        command: 'echo done-$((40 + 2))',
      });
      expect(accepted).toEqual({ status: 'accepted' });

      const finished = await waitForFinished(provider.client, 'SandboxClaim', sandbox.id, {
        namespace: cluster.namespace,
        timeoutMs: REAL_CLUSTER ? 180_000 : 20_000,
      });
      expect(finished.reason).toBe('PodSucceeded');
      const info = await sandbox.info();
      expect(info.state).toBe('stopped');

      // The runner is gone, its pod (and log) stay until the claim is deleted.
      const lines: string[] = [];
      for await (const line of provider.logs(sandbox.id)) lines.push(line);
      const parsed = lines.map((l) => JSON.parse(l) as { msg?: string });
      expect(parsed.some((l) => l.msg === 'listening')).toBe(true);
      expect(lines.join('\n')).toContain('done-42');
      // A follow on a finished container ends by itself.
      const followed: string[] = [];
      for await (const line of provider.logs(sandbox.id, { follow: true })) followed.push(line);
      expect(followed).toEqual(lines);

      // Nothing to exec into any more: a clear refusal, not a hang.
      await expect(provider.exec(sandbox.id, ['true'])).rejects.toMatchObject({
        code: 'EXEC_FAILED',
      });
    } finally {
      await sandbox.kill();
    }
    expect(await cluster.claimNames()).toEqual([]);
  });
});
