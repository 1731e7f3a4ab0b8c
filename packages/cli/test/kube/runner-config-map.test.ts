/**
 * No image of Corral's: `corral template apply NAME` puts this CLI's runner bundle in a
 * content-named ConfigMap and builds a template whose stock Node image runs it. The fake's kubelet
 * really starts the runner from that pod spec, so a pool of it becomes Ready and serves a task.
 */
import { readFileSync } from 'node:fs';
import { CONFIG_MAP_MAX_BYTES, runnerBundleSha256 } from '@corral/agent-sandbox';
import { runnerBundlePath } from '@corral/runner';
import type { ProcessRuntime } from '@corral/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GVR, NAMESPACE, startTestCluster, whenPoolReady } from './helpers/cluster.js';
import type { TestCluster } from './helpers/cluster.js';

const CONFIG_MAPS = { group: '', version: 'v1', resource: 'configmaps' } as const;
const PODS = { group: '', version: 'v1', resource: 'pods' } as const;

describe('corral template apply NAME without --image', () => {
  let cluster: TestCluster;
  const bundle = readFileSync(runnerBundlePath(), 'utf8');
  beforeAll(async () => {
    cluster = await startTestCluster({ kubelet: { runtime: 'process' } });
  });
  afterAll(async () => {
    const { store } = cluster.fake;
    for (const pool of store.list(GVR.warmPools, { namespace: NAMESPACE }).items)
      store.delete(GVR.warmPools, NAMESPACE, pool.metadata.name!);
    // deletion is asynchronous (D2): the collector deletes the pods after the DELETE, and each
    // pod terminates gracefully; wait (on the pods' watch) until the last one is gone
    await store.gcSettled();
    await cluster.fake.controller?.whenIdle();
    await new Promise<void>((resolve) => {
      const handle: { stop?: () => void; done?: boolean } = {};
      const check = (): void => {
        if (handle.done || store.list(PODS, { namespace: NAMESPACE }).items.length > 0) return;
        handle.done = true;
        handle.stop?.();
        resolve();
      };
      handle.stop = store.watch(PODS, { namespace: NAMESPACE }, check);
      // the store may replay (and so resolve) before watch() returned its stop
      if (handle.done) handle.stop();
      check();
    });
    await cluster.fake.kubelet?.whenIdle();
    expect((cluster.fake.kubelet!.runtime as ProcessRuntime).processes()).toEqual([]);
    await cluster.stop();
  });

  it('fits the runner in a ConfigMap with room to spare', () => {
    // The API server refuses more than 1 MiB of keys and values; leave room for the runner to grow.
    expect(Buffer.byteLength(bundle) + 'runner.mjs'.length).toBeLessThan(CONFIG_MAP_MAX_BYTES / 4);
  });

  it('creates the runner ConfigMap once and a stock-Node template that runs it', async () => {
    const first = await cluster.call(['template', 'apply', 'plain-node']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const [line] = first.stdout.split('\n');
    const name = /^configmap\/(corral-runner-0\.1\.0-[0-9a-f]{10}) created$/.exec(line ?? '')?.[1];
    expect(name, first.stdout).toBeDefined();
    const stored = cluster.fake.store.get(CONFIG_MAPS, NAMESPACE, name!);
    expect(stored).toMatchObject({
      immutable: true,
      data: { 'runner.mjs': bundle },
      metadata: { annotations: { 'corral.dev/runner-sha256': runnerBundleSha256(bundle) } },
    });

    const template = cluster.fake.store.get(GVR.templates, NAMESPACE, 'plain-node') as unknown as {
      spec: { podTemplate: { spec: Record<string, unknown> } };
    };
    const pod = template.spec.podTemplate.spec as {
      containers: { image: string; command: string[] }[];
      volumes: { name: string; configMap?: { name: string } }[];
    };
    expect(pod.containers[0]).toMatchObject({
      image: 'node:22-slim',
      command: ['node', '/opt/corral/runner.mjs'],
    });
    expect(pod.volumes).toContainEqual({ name: 'runner', configMap: { name: name! } });

    const again = await cluster.call(['template', 'apply', 'plain-node']);
    expect(again.stdout.split('\n')[0]).toBe(`configmap/${name!} unchanged`);
  });

  it('refuses a ConfigMap of that name holding another runner', async () => {
    const { store } = cluster.fake;
    const name = store
      .list(CONFIG_MAPS, { namespace: NAMESPACE })
      .items.find((c) => c.metadata.name?.startsWith('corral-runner-'))!.metadata.name!;
    store.delete(CONFIG_MAPS, NAMESPACE, name);
    store.create(CONFIG_MAPS, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: NAMESPACE },
      data: { 'runner.mjs': 'console.log("not the runner")' },
    });
    const run = await cluster.call(['template', 'apply', 'other']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/does not hold this CLI's runner.*kubectl delete configmap/s);
    store.delete(CONFIG_MAPS, NAMESPACE, name);
    expect((await cluster.call(['template', 'apply', 'other'])).code).toBe(0);
  });

  it('makes pods the kubelet runs: a pool of the template becomes Ready', async () => {
    const ready = whenPoolReady(cluster, 'plain');
    const created = await cluster.call([
      'pool',
      'create',
      'plain',
      '--template',
      'plain-node',
      '--replicas',
      '1',
    ]);
    expect(created.code).toBe(0);
    await ready;
    const runtime = cluster.fake.kubelet!.runtime as ProcessRuntime;
    expect(runtime.processes().length).toBe(1);
  });

  it('doctor: ok while the ConfigMap holds this runner; fails with the fix when it is gone; warns on restartPolicy', async () => {
    const doctor = async (): Promise<{ status: string; detail: string; fix?: string }> => {
      const run = await cluster.call([
        'doctor',
        '--provider',
        'kubernetes',
        '-n',
        NAMESPACE,
        '-o',
        'json',
      ]);
      const report = JSON.parse(run.stdout) as {
        checks: { id: string; status: string; detail: string; fix?: string }[];
      };
      return report.checks.find((c) => c.id === 'runner-template')!;
    };
    const { store } = cluster.fake;
    for (const t of store.list(GVR.templates, { namespace: NAMESPACE }).items)
      if (t.metadata.name !== 'plain-node')
        store.delete(GVR.templates, NAMESPACE, t.metadata.name!);
    expect(await doctor()).toMatchObject({
      status: 'ok',
      detail: expect.stringMatching(
        /template plain-node: runner 0\.1\.0 from ConfigMap corral-runner-/,
      ),
    });

    const name = store
      .list(CONFIG_MAPS, { namespace: NAMESPACE })
      .items.find((c) => c.metadata.name?.startsWith('corral-runner-'))!.metadata.name!;
    const saved = store.get(CONFIG_MAPS, NAMESPACE, name)!;
    store.delete(CONFIG_MAPS, NAMESPACE, name);
    expect(await doctor()).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining(`its runner ConfigMap ${name} does not exist`),
      fix: expect.stringContaining(`corral template apply plain-node -n ${NAMESPACE}`),
    });
    store.create(CONFIG_MAPS, {
      ...saved,
      metadata: { name, namespace: NAMESPACE, labels: saved.metadata.labels ?? {} },
    });

    store.create(GVR.templates, {
      apiVersion: 'extensions.agents.x-k8s.io/v1beta1',
      kind: 'SandboxTemplate',
      metadata: { name: 'restarts', namespace: NAMESPACE },
      spec: {
        podTemplate: {
          spec: {
            containers: [{ name: 'r', image: 'node:22-slim', command: ['node', '/x/runner.mjs'] }],
          },
        },
      },
    });
    expect(await doctor()).toMatchObject({
      status: 'warn',
      detail: expect.stringContaining(
        'template restarts: restartPolicy Always (the default) restarts the one-shot runner',
      ),
      fix: expect.stringContaining('restartPolicy: Never'),
    });
    store.delete(GVR.templates, NAMESPACE, 'restarts');
  });
});
