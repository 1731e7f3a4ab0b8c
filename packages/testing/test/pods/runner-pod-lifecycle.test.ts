/* eslint-disable @typescript-eslint/no-explicit-any -- tests read untyped status JSON */
/**
 * A runner pod that really runs, through client-node as a user sees it: claim → Ready pod with
 * a loopback IP → the runner answers → a task → the pod Succeeds → the claim is Finished; its
 * log streams; deleting the claim ends the sandbox and frees the IP; `stop()` leaks nothing.
 * Each runner pod costs a sandboxed node start (~50–300 ms), so tests use one or two pods each.
 */
import { PassThrough } from 'node:stream';
import { CoreV1Api, CustomObjectsApi, Exec, Log } from '@kubernetes/client-node';
import {
  buildSandboxClaim,
  buildSandboxTemplate,
  buildSandboxWarmPool,
} from '@corral/agent-sandbox';
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeCluster } from '../../src/cluster.js';
import type { PodProcess } from '../../src/kubelet/pod-process.js';
import type { ProcessRuntime } from '../../src/kubelet/process-runtime.js';
import {
  claimsPath,
  condition,
  GROUP,
  podsPath,
  processesOfUid,
  processGone,
  RUNNER_IMAGE,
  startRunnerCluster,
  waitFor,
} from './harness.js';

let cluster: FakeCluster | undefined;

afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

function createCustom(api: CustomObjectsApi, plural: string, body: object) {
  return api.createNamespacedCustomObject({
    group: GROUP,
    version: 'v1beta1',
    namespace: 'default',
    plural,
    body,
  });
}

async function claimRunnerPod(
  c: FakeCluster,
  env: Record<string, string> = { CORRAL_RUNNER_MODE: 'oneshot' },
): Promise<{ claim: any; podName: string; podIP: string }> {
  const api = c.kubeConfig.makeApiClient(CustomObjectsApi);
  await createCustom(
    api,
    'sandboxtemplates',
    buildSandboxTemplate({ name: 'runner', image: RUNNER_IMAGE, env }),
  );
  await createCustom(
    api,
    'sandboxwarmpools',
    buildSandboxWarmPool({ name: 'runner', template: 'runner', replicas: 0 }),
  );
  await createCustom(
    api,
    'sandboxclaims',
    buildSandboxClaim({ name: 'task-1', warmPool: 'runner' }),
  );
  const claim = await waitFor(
    c.kubeConfig,
    claimsPath(),
    'task-1',
    (obj) => condition(obj, 'Ready')?.status === 'True' && obj.status?.sandbox?.podIPs?.length > 0,
  );
  const podIP: string = claim.status.sandbox.podIPs[0];
  const pods = await c.kubeConfig
    .makeApiClient(CoreV1Api)
    .listNamespacedPod({ namespace: 'default' });
  const pod = pods.items.find((p) => p.status?.podIP === podIP)!;
  return { claim, podName: pod.metadata!.name!, podIP };
}

function collectLog(c: FakeCluster, podName: string, options: object, container = 'sandbox') {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  const ended = new Promise<string>((resolve) => out.on('finish', () => resolve(text)));
  const started = new Log(c.kubeConfig).log('default', podName, container, out, options);
  return { started, ended, text: () => text };
}

describe('runner pods (process runtime)', () => {
  it('runs a claimed runner pod on a loopback IP until its task ends, then frees everything', async () => {
    cluster = await startRunnerCluster();
    const { podName, podIP } = await claimRunnerPod(cluster);
    expect(podIP).toMatch(/^127\.\d+\.\d+\.\d+$/);
    const proc = cluster.kubelet!.runtime.lookup!('default', podName) as PodProcess;
    expect(proc.state).toBe('running');

    const health = await fetch(`http://${podIP}:8888/healthz`);
    expect(health.status).toBe(200);

    const log = collectLog(cluster, podName, { follow: true });
    await log.started;

    const accepted = await fetch(`http://${podIP}:8888/task`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ taskID: 't1', message: 'hello', command: 'echo done' }),
    });
    expect(accepted.status).toBe(202);

    const pod = await waitFor(
      cluster.kubeConfig,
      podsPath(),
      podName,
      (p) => p.status?.phase === 'Succeeded',
    );
    expect(pod.status.containerStatuses[0].state.terminated).toMatchObject({
      exitCode: 0,
      reason: 'Completed',
      startedAt: expect.any(String),
      finishedAt: expect.any(String),
    });
    const claim = await waitFor(
      cluster.kubeConfig,
      claimsPath(),
      'task-1',
      (obj) => condition(obj, 'Finished')?.status === 'True',
    );
    expect(condition(claim, 'Finished').reason).toBe('PodSucceeded');

    // follow ends when the container exits; the log is the runner's JSON lines
    const text = await log.ended;
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { msg?: string });
    expect(lines.some((l) => l.msg === 'listening')).toBe(true);
    expect(text).toContain('done');

    // after the exit, the log is still there, and exec is refused before the upgrade
    const tail = collectLog(cluster, podName, { tailLines: 1 });
    await tail.started;
    expect((await tail.ended).split('\n').filter(Boolean)).toHaveLength(1);
    const refused = await fetch(
      `${cluster.url}/api/v1/namespaces/default/pods/${podName}/exec?command=true&stdout=true`,
    );
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { message: string }).message).toBe(
      'cannot exec into a container in a completed pod; current phase is Succeeded',
    );

    const pid = proc.pid;
    const uid = proc.hostUid;
    const before = await cluster.kubeConfig
      .makeApiClient(CoreV1Api)
      .readNamespacedPod({ namespace: 'default', name: podName });
    await cluster.kubeConfig.makeApiClient(CustomObjectsApi).deleteNamespacedCustomObject({
      group: GROUP,
      version: 'v1beta1',
      namespace: 'default',
      plural: 'sandboxclaims',
      name: 'task-1',
    });
    await waitFor(cluster.kubeConfig, podsPath(), podName, (_p, type) => type === 'DELETED', {
      resourceVersion: before.metadata!.resourceVersion!,
    });
    await cluster.kubelet!.whenIdle();
    expect(cluster.kubelet!.runtime.lookup!('default', podName)).toBeUndefined();
    expect((cluster.kubelet!.runtime as ProcessRuntime).podIPs()).not.toContain(podIP);
    expect(await processGone(pid)).toBe(true);
    expect(await processesOfUid(uid)).toEqual([]);
    await expect(fetch(`http://${podIP}:8888/healthz`)).rejects.toThrow();
  });

  it('stop() ends every runner process and keeps other pods simulated', async () => {
    cluster = await startRunnerCluster();
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    const { podName } = await claimRunnerPod(cluster, { CORRAL_RUNNER_MODE: 'serve' });
    await core.createNamespacedPod({
      namespace: 'default',
      body: {
        metadata: { name: 'plain' },
        spec: { containers: [{ name: 'main', image: 'busybox' }] },
      },
    });
    const plain = await waitFor(
      cluster.kubeConfig,
      podsPath(),
      'plain',
      (p) => p.status?.phase === 'Running',
    );
    expect(plain.status.podIP).toMatch(/^127\.244\./);
    expect(cluster.kubelet!.runtime.lookup!('default', 'plain')).toBeUndefined();
    // exec needs a pod that runs: a simulated one answers 400 before the upgrade
    await expect(
      new Exec(cluster.kubeConfig).exec(
        'default',
        'plain',
        'main',
        ['true'],
        new PassThrough(),
        new PassThrough(),
        null,
        false,
      ),
    ).rejects.toThrow(/400/);

    const proc = cluster.kubelet!.runtime.lookup!('default', podName)!;
    const { pid, hostUid } = proc;
    expect(await processGone(pid)).toBe(false);
    await cluster.stop();
    cluster = undefined;
    expect(await processGone(pid)).toBe(true);
    expect(await processesOfUid(hostUid)).toEqual([]);
  });

  it('a runner that exits before listening ends its pod by exit code (Never: Failed), and keeps its log', async () => {
    cluster = await startRunnerCluster();
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    await core.createNamespacedPod({
      namespace: 'default',
      body: {
        metadata: { name: 'broken' },
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: 'runner', image: RUNNER_IMAGE, args: ['--bogus'] }],
        },
      },
    });
    const pod = await waitFor(
      cluster.kubeConfig,
      podsPath(),
      'broken',
      (p) => p.status?.phase === 'Failed',
    );
    // the container started and exited (a real kubelet's StartError is for a failing exec)
    expect(pod.status.containerStatuses[0].state.terminated).toMatchObject({
      exitCode: 2,
      reason: 'Error',
    });
    const log = collectLog(cluster, 'broken', {}, 'runner');
    await log.started;
    expect(await log.ended).toContain('unknown flag "--bogus"');
    const pid = cluster.kubelet!.runtime.lookup!('default', 'broken')?.pid;
    expect(await processGone(pid)).toBe(true);
  });

  it('answers pods/log like the apiserver for unknown and waiting pods', async () => {
    cluster = await startRunnerCluster();
    const unblock = cluster.kubelet!.blockStart('default', 'waiting');
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    await core.createNamespacedPod({
      namespace: 'default',
      body: {
        metadata: { name: 'waiting' },
        spec: { containers: [{ name: 'runner', image: RUNNER_IMAGE }] },
      },
    });
    const waiting = await fetch(`${cluster.url}/api/v1/namespaces/default/pods/waiting/log`);
    expect(waiting.status).toBe(400);
    expect(await waiting.json()).toMatchObject({
      kind: 'Status',
      reason: 'BadRequest',
      message: 'container "runner" in pod "waiting" is waiting to start: ContainerCreating',
    });
    const unknown = await fetch(`${cluster.url}/api/v1/namespaces/default/pods/nope/log`);
    expect(unknown.status).toBe(404);
    await expect(collectLog(cluster, 'nope', {}).started).rejects.toThrow();
    unblock();
  });
});
