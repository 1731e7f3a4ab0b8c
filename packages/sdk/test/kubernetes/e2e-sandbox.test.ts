/**
 * End to end on Kubernetes: `Sandbox.create` with the Kubernetes provider → a claim → a pod whose
 * runner really runs → commands, files, exec, logs, suspend/resume → kill leaves nothing.
 * Against the fake cluster with real runner pods by default, a real cluster with `K8S_E2E=1`
 * (see e2e-cluster.ts). One runner pod per connection mode, plus one for the resume.
 */
import { Sandbox } from '@corral/sdk';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubernetesProvider } from '../../src/kubernetes/index.js';
import {
  E2E_MODES,
  processesOfUid,
  processGone,
  CLUSTER_LABEL,
  REAL_CLUSTER,
  startE2eCluster,
  type E2eCluster,
} from './e2e-cluster.js';

const where = CLUSTER_LABEL;

let cluster: E2eCluster;
beforeAll(async () => {
  cluster = await startE2eCluster();
});
afterAll(async () => {
  await cluster?.stop();
});

const modes = E2E_MODES;

describe.each(modes)(`a Kubernetes sandbox over %s (${where})`, (mode) => {
  let provider: KubernetesProvider;
  let sandbox: Sandbox;

  beforeAll(async () => {
    provider = cluster.provider({ connection: { mode: mode } });
    expect(provider.connectionMode).toBe(mode);
    sandbox = await Sandbox.create({ provider });
  });
  afterAll(async () => {
    await sandbox?.kill();
  });

  it('runs a command through the runner', async () => {
    const result = await sandbox.commands.run(['echo', 'hi']);
    expect(result).toMatchObject({ exitCode: 0, stdout: 'hi\n' });
    const failed = await sandbox.commands.run(['sh', '-c', 'echo oops >&2; exit 7']);
    expect(failed).toMatchObject({ exitCode: 7, stderr: 'oops\n' });
    const info = await sandbox.info();
    expect(info).toMatchObject({ provider: 'kubernetes', state: 'running' });
    expect(info.metadata.warmPool).toBe(cluster.servePool);
  });

  it('writes and reads files in the sandbox', async () => {
    await sandbox.files.write('notes/hello.txt', 'hello from the test\n');
    expect(await sandbox.files.read('notes/hello.txt')).toBe('hello from the test\n');
    const cat = await sandbox.commands.run(['cat', 'notes/hello.txt']);
    expect(cat.stdout).toBe('hello from the test\n');
  });

  it('execs through the pods/exec API with stdout, stderr and the exit code', async () => {
    const result = await provider.exec(sandbox.id, ['sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect(result).toEqual({ exitCode: 3, stdout: 'out\n', stderr: 'err\n' });
    const withStdin = await provider.exec(sandbox.id, ['cat'], { stdin: 'piped\n' });
    expect(withStdin).toEqual({ exitCode: 0, stdout: 'piped\n', stderr: '' });
  });

  it('follows the pod log (the runner JSON lines) until aborted', async () => {
    const controller = new AbortController();
    const seen: string[] = [];
    const reading = (async () => {
      for await (const line of provider.logs(sandbox.id, {
        follow: true,
        signal: controller.signal,
      })) {
        seen.push(line);
        if (line.includes('"listening"')) controller.abort();
      }
    })();
    await expect(reading).rejects.toMatchObject({ code: 'ABORTED' });
    const parsed = seen.map((l) => JSON.parse(l) as { msg?: string; mode?: string });
    expect(parsed.find((l) => l.msg === 'listening')).toMatchObject({ mode: 'serve' });
  });

  it.skipIf(REAL_CLUSTER)(
    'kill deletes the claim and pod and leaves no runner process (fake only: reads the kubelet)',
    async () => {
      const info = await sandbox.info();
      const pod = info.metadata.podName!;
      const runner = cluster.runnerOf(pod);
      expect(runner?.state).toBe('running');
      expect(await processGone(runner!.pid)).toBe(false);
      await sandbox.kill();
      expect(await cluster.claimNames()).toEqual([]);
      await cluster.podGone(pod);
      await cluster.fake!.kubelet!.whenIdle();
      expect(cluster.runnerOf(pod)).toBeUndefined();
      expect(await processGone(runner!.pid)).toBe(true);
      expect(await processesOfUid(runner!.hostUid)).toEqual([]);
      await expect(sandbox.commands.run(['true'])).rejects.toThrow();
    },
  );

  // Only registered against a real cluster: the fake runs the stronger check above.
  if (REAL_CLUSTER) {
    it('kill deletes the claim and the pod', async () => {
      const pod = (await sandbox.info()).metadata.podName!;
      await sandbox.kill();
      expect(await cluster.claimNames()).toEqual([]);
      await cluster.podGone(pod, 120_000);
    });
  }
});

describe.each(modes)(`suspend and resume over %s (${where})`, (mode) => {
  it('stops the pod, starts a new one, and the runner answers again', async () => {
    const provider = cluster.provider({ connection: { mode: mode } });
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    const sandbox = await Sandbox.create({ provider });
    try {
      const before = await sandbox.info();
      const podName = before.metadata.podName!;
      const beforeUrl = (await provider.get(sandbox.id))!.endpoint.baseUrl;
      const oldPod = await core.readNamespacedPod({ namespace: cluster.namespace, name: podName });
      await sandbox.files.write('kept.txt', 'x');

      const suspended = await provider.suspend(sandbox.id);
      expect(suspended.state).toBe('paused');
      await cluster.podGone(podName);

      const resumed = await provider.resume(sandbox.id);
      expect(resumed.info.state).toBe('running');
      const newPod = await core.readNamespacedPod({
        namespace: cluster.namespace,
        name: resumed.info.metadata.podName!,
      });
      expect(newPod.metadata!.uid).not.toBe(oldPod.metadata!.uid);
      // The fake hands out the lowest free loopback IP, so the address may repeat; the pod is new.
      expect(resumed.info.metadata.podIPs!.split(',')).toContain(newPod.status!.podIP);
      if (mode === 'direct') {
        expect(resumed.endpoint.baseUrl).toBe(`http://${newPod.status!.podIP}:8888`);
        const again = await Sandbox.connect(sandbox.id, { provider });
        expect((await again.commands.run(['echo', 'back'])).stdout).toBe('back\n');
      } else {
        // The local port stays; resume pointed it at the new pod, so the old handle works.
        expect(resumed.endpoint.baseUrl).toBe(beforeUrl);
        expect((await sandbox.commands.run(['echo', 'back'])).stdout).toBe('back\n');
      }
    } finally {
      await sandbox.kill();
    }
    expect(await cluster.claimNames()).toEqual([]);
  });
});
