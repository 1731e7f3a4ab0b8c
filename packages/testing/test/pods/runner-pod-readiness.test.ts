/* eslint-disable @typescript-eslint/no-explicit-any -- tests read untyped status JSON */
/**
 * D5/D6 with pods that really run (process runtime): Ready follows the container's
 * readinessProbe, a container that never listens stays Running and not Ready, one that exits 0
 * first is Succeeded under restartPolicy Never, and a deleted Ready pod keeps Ready and its IP
 * while it terminates. `TEST_SCRIPT` in a pod's env swaps the runner for a node one-liner
 * (still started in a real sandbox by the SDK's launcher).
 */
import { CoreV1Api } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeCluster, type FakeCluster } from '../../src/cluster.js';
import { sdkSandboxLauncher, type SandboxLauncher } from '../../src/kubelet/sandbox-launcher.js';
import {
  condition,
  podsPath,
  processGone,
  processRuntimeOptions,
  RUNNER_IMAGE,
  waitFor,
} from './harness.js';

let cluster: FakeCluster | undefined;

afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

const scripted: SandboxLauncher = (options) => {
  const script = options.env?.TEST_SCRIPT;
  return sdkSandboxLauncher(
    script === undefined ? options : { ...options, command: (p) => [p.node, '-e', script] },
  );
};

function start(): Promise<FakeCluster> {
  return startFakeCluster({
    kubelet: {
      startDelayMs: 0,
      runtime: 'process',
      process: { ...processRuntimeOptions(), launcher: scripted },
    },
  });
}

function runnerPod(
  name: string,
  options: { script?: string; probe?: object; args?: string[] } = {},
): object {
  return {
    metadata: { name },
    spec: {
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 5,
      containers: [
        {
          name: 'runner',
          image: RUNNER_IMAGE,
          args: options.args ?? ['--mode', 'serve'],
          ports: [{ name: 'http', containerPort: 8888 }],
          env: options.script !== undefined ? [{ name: 'TEST_SCRIPT', value: options.script }] : [],
          ...(options.probe !== undefined ? { readinessProbe: options.probe } : {}),
        },
      ],
    },
  };
}

const ready = (p: any): boolean => condition(p, 'Ready')?.status === 'True';

describe('readiness probes and terminating runner pods (process runtime)', () => {
  it('Ready follows httpGet/tcpSocket/exec probes; a container that never listens stays Running, not Ready', async () => {
    cluster = await start();
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    const fast = { periodSeconds: 1, failureThreshold: 1 };
    await core.createNamespacedPod({
      namespace: 'default',
      body: runnerPod('silent', {
        script: 'setInterval(() => {}, 1000)',
        probe: { httpGet: { path: '/healthz', port: 'http' }, ...fast },
      }),
    });
    const silent = await waitFor(
      cluster.kubeConfig,
      podsPath(),
      'silent',
      (p) => p.status?.phase === 'Running',
    );
    expect(ready(silent)).toBe(false);
    for (const [name, probe] of [
      ['http', { httpGet: { path: '/healthz', port: 'http' }, ...fast }],
      ['tcp', { tcpSocket: { port: 8888 }, ...fast }],
      ['exec', { exec: { command: ['true'] }, ...fast }],
    ] as const) {
      await core.createNamespacedPod({ namespace: 'default', body: runnerPod(name, { probe }) });
    }
    for (const name of ['http', 'tcp', 'exec']) {
      const p = await waitFor(cluster.kubeConfig, podsPath(), name, ready, { timeoutMs: 60_000 });
      expect(p.status.containerStatuses[0]).toMatchObject({ ready: true, started: true });
    }
    // the silent one was probed (it started first and fails every period) and is still not Ready
    const now = (await core.readNamespacedPod({ namespace: 'default', name: 'silent' })) as any;
    expect(now.status.phase).toBe('Running');
    expect(condition(now, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'ContainersNotReady',
    });
    expect(now.status.containerStatuses[0]).toMatchObject({ ready: false, started: true });
    expect(now.status.podIP).toBeDefined();
    // an exec probe that fails keeps a serving runner out of Ready too
    await core.createNamespacedPod({
      namespace: 'default',
      body: runnerPod('exec-false', { probe: { exec: { command: ['false'] }, ...fast } }),
    });
    const execFalse = await waitFor(
      cluster.kubeConfig,
      podsPath(),
      'exec-false',
      (p) => p.status?.phase === 'Running',
    );
    expect(ready(execFalse)).toBe(false);
  });

  it('a container that exits 0 before listening is Succeeded, one that exits non-zero is Failed (restartPolicy Never)', async () => {
    cluster = await start();
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    const probe = { httpGet: { path: '/healthz', port: 8888 }, periodSeconds: 1 };
    await core.createNamespacedPod({
      namespace: 'default',
      body: runnerPod('done', { script: 'process.exit(0)', probe }),
    });
    await core.createNamespacedPod({
      namespace: 'default',
      body: runnerPod('bogus', { args: ['--bogus'], probe }),
    });
    const done = await waitFor(
      cluster.kubeConfig,
      podsPath(),
      'done',
      (p) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed',
    );
    expect(done.status.phase).toBe('Succeeded');
    expect(done.status.containerStatuses[0].state.terminated).toMatchObject({
      exitCode: 0,
      reason: 'Completed',
    });
    const bogus = await waitFor(
      cluster.kubeConfig,
      podsPath(),
      'bogus',
      (p) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed',
    );
    expect(bogus.status.phase).toBe('Failed');
    expect(bogus.status.containerStatuses[0].state.terminated).toMatchObject({
      exitCode: 2,
      reason: 'Error',
    });
  });

  it('a deleted Ready pod keeps Ready and its IP while it terminates (SIGTERM), then is DELETED', async () => {
    cluster = await start();
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    await core.createNamespacedPod({
      namespace: 'default',
      body: runnerPod('serving', {
        probe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 1 },
      }),
    });
    const running = await waitFor(cluster.kubeConfig, podsPath(), 'serving', ready, {
      timeoutMs: 60_000,
    });
    const pid = cluster.kubelet!.runtime.lookup!('default', 'serving')!.pid;
    const seen: { type: string; pod: any }[] = [];
    const gone = waitFor(
      cluster.kubeConfig,
      podsPath(),
      'serving',
      (p, type) => {
        seen.push({ type, pod: p });
        return type === 'DELETED';
      },
      { resourceVersion: running.metadata.resourceVersion, timeoutMs: 60_000 },
    );
    const deleted = (await core.deleteNamespacedPod({
      namespace: 'default',
      name: 'serving',
    })) as any;
    expect(deleted.metadata.deletionGracePeriodSeconds).toBe(5);
    await gone;
    const terminating = seen.filter((e) => e.type === 'MODIFIED');
    expect(terminating.length).toBeGreaterThan(0);
    for (const e of terminating) {
      expect(e.pod.metadata.deletionTimestamp).toBeDefined();
      expect(ready(e.pod)).toBe(true);
      expect(e.pod.status.podIPs).toEqual(running.status.podIPs);
    }
    expect(seen.at(-1)!.type).toBe('DELETED');
    expect(cluster.kubelet!.runtime.lookup!('default', 'serving')).toBeUndefined();
    expect(await processGone(pid)).toBe(true);
  });
});
