/* eslint-disable @typescript-eslint/no-explicit-any -- client-node types custom-object bodies and errors as any */
import {
  CoreV1Api,
  CustomObjectsApi,
  makeInformer,
  PatchStrategy,
  setHeaderOptions,
  Watch,
} from '@kubernetes/client-node';
import type { KubernetesObject, V1ConfigMap } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeCluster } from '../../src/index.js';
import type { FakeCluster } from '../../src/index.js';

let cluster: FakeCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

const CM_PATH = '/api/v1/namespaces/default/configmaps';
const cm = (name: string, labels: Record<string, string> = {}) => ({ metadata: { name, labels } });

interface Seen {
  events: { type: string; name: string | undefined; rv: string | undefined; obj: any }[];
  done: Promise<unknown>;
  controller: AbortController;
}

/** Opens a watch and collects events; resolves `done` with the error (or null) the client reports. */
async function watch(
  c: FakeCluster,
  path: string,
  query: Record<string, string | number | boolean | undefined>,
): Promise<Seen> {
  const events: Seen['events'] = [];
  let resolveDone!: (v: unknown) => void;
  const done = new Promise((r) => (resolveDone = r));
  const controller = await new Watch(c.kubeConfig).watch(
    path,
    query,
    (type, obj: any) =>
      events.push({ type, name: obj?.metadata?.name, rv: obj?.metadata?.resourceVersion, obj }),
    (err) => resolveDone(err),
  );
  return { events, done, controller };
}

function until(check: () => boolean, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = (): void => {
      if (check()) resolve();
      else if (Date.now() - started > 5000) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(tick, 5);
    };
    tick();
  });
}

describe('watch', () => {
  it('streams ADDED/MODIFIED/DELETED, resumes from a resourceVersion, and applies selectors', async () => {
    cluster = await startFakeCluster({ controller: false, kubelet: false });
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    await core.createNamespacedConfigMap({ namespace: 'default', body: cm('before') });
    const list = await core.listNamespacedConfigMap({ namespace: 'default' });
    const w = await watch(cluster, CM_PATH, {
      resourceVersion: list.metadata!.resourceVersion,
      labelSelector: 'team=a',
    });
    await core.createNamespacedConfigMap({ namespace: 'default', body: cm('x', { team: 'a' }) });
    const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    await core.patchNamespacedConfigMap(
      { name: 'x', namespace: 'default', body: { data: { k: 'v' } } },
      merge,
    );
    await core.patchNamespacedConfigMap(
      { name: 'x', namespace: 'default', body: { metadata: { labels: { team: 'b' } } } },
      merge,
    );
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: cm('other', { team: 'b' }),
    });
    await until(() => w.events.length >= 3, 'three events');
    expect(w.events.map((e) => `${e.type}:${e.name}`)).toEqual([
      'ADDED:x',
      'MODIFIED:x',
      'DELETED:x',
    ]);
    w.controller.abort();
    // A second watch from the first event's resourceVersion replays what came after it.
    const replay = await watch(cluster, CM_PATH, { resourceVersion: w.events[0]!.rv });
    await until(() => replay.events.length >= 3, 'replayed events');
    expect(replay.events.map((e) => `${e.type}:${e.name}`)).toEqual([
      'MODIFIED:x',
      'MODIFIED:x',
      'ADDED:other',
    ]);
    replay.controller.abort();
    // No resourceVersion: synthetic ADDED for everything that exists.
    const initial = await watch(cluster, CM_PATH, {});
    await until(() => initial.events.length >= 3, 'initial events');
    expect(initial.events.map((e) => e.name).sort()).toEqual(['before', 'other', 'x']);
    initial.controller.abort();
    await until(() => cluster!.requests.watches({ open: true }).length === 0, 'watches to close');
    expect(cluster.requests.watches({ resource: 'configmaps' })).toHaveLength(3);
  });

  it('ends at timeoutSeconds with a final BOOKMARK, and sends periodic bookmarks', async () => {
    cluster = await startFakeCluster({ controller: false, kubelet: false, bookmarkIntervalMs: 50 });
    const w = await watch(cluster, CM_PATH, { allowWatchBookmarks: true, timeoutSeconds: 1 });
    expect(await w.done).toBeNull();
    const bookmarks = w.events.filter((e) => e.type === 'BOOKMARK');
    expect(bookmarks.length).toBeGreaterThanOrEqual(2);
    expect(bookmarks[0]!.obj).toEqual({
      kind: 'ConfigMap',
      apiVersion: 'v1',
      metadata: { resourceVersion: cluster.store.currentResourceVersion() },
    });
    const plain = await watch(cluster, CM_PATH, { timeoutSeconds: 1 });
    expect(await plain.done).toBeNull();
    expect(plain.events).toEqual([]);
  });

  it('answers a too-old resourceVersion with an in-stream 410 ERROR, or HTTP 410 when asked', async () => {
    cluster = await startFakeCluster({ controller: false, kubelet: false, watchHistorySize: 2 });
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    const start = cluster.store.currentResourceVersion();
    for (const n of ['a', 'b', 'c', 'd'])
      await core.createNamespacedConfigMap({ namespace: 'default', body: cm(n) });
    const w = await watch(cluster, CM_PATH, { resourceVersion: start });
    expect(await w.done).toBeNull();
    expect(w.events).toHaveLength(1);
    expect(w.events[0]!.type).toBe('ERROR');
    expect(w.events[0]!.obj).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
    expect(w.events[0]!.obj.message).toMatch(/^too old resource version: \d+ \(\d+\)$/);
    cluster.faults.expiredMode = 'http';
    const h = await watch(cluster, CM_PATH, { resourceVersion: start });
    expect(((await h.done) as any).statusCode).toBe(410);
  });

  it('keeps a client-node informer in sync across clean closes, drops and forced 410s', async () => {
    cluster = await startFakeCluster({ controller: false, kubelet: false });
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    const informer = makeInformer(cluster.kubeConfig, CM_PATH, () =>
      core.listNamespacedConfigMap({ namespace: 'default' }),
    );
    const adds: string[] = [];
    const deletes: string[] = [];
    const errors: unknown[] = [];
    informer.on('add', (o: V1ConfigMap) => adds.push(o.metadata!.name!));
    informer.on('delete', (o: V1ConfigMap) => deletes.push(o.metadata!.name!));
    informer.on('error', (e) => errors.push(e));
    await core.createNamespacedConfigMap({ namespace: 'default', body: cm('one') });
    cluster.faults.closeWatch({ path: CM_PATH }, { afterEvents: 1 });
    await informer.start();
    await core.createNamespacedConfigMap({ namespace: 'default', body: cm('two') });
    await until(() => adds.includes('two'), 'add of two');
    // The first watch was closed after one event; the informer reconnected by itself.
    await until(
      () => cluster!.requests.watches({ resource: 'configmaps' }).length >= 2,
      'a reconnect',
    );
    // Forced 410: the informer re-lists (slowly) and notices the object deleted meanwhile.
    const watchesBefore = cluster.requests.watches({ resource: 'configmaps' }).length;
    cluster.faults.expireWatch({ path: CM_PATH });
    const slowList = cluster.faults.latency({ verb: 'list', resource: 'configmaps' }, 300);
    expect(cluster.faults.interruptWatches({ resource: 'configmaps' })).toBe(1);
    await until(
      () => cluster!.requests.watches({ resource: 'configmaps' }).length === watchesBefore + 1,
      'the expired watch',
    );
    cluster.store.delete({ group: '', version: 'v1', resource: 'configmaps' }, 'default', 'one');
    await until(() => deletes.includes('one'), 'delete of one');
    slowList.remove();
    expect(
      informer
        .list('default')
        .map((o: KubernetesObject) => o.metadata!.name)
        .sort(),
    ).toEqual(['two']);
    // A dropped connection is an error for client-node 1.4.0's informer: it stops.
    await until(
      () => cluster!.requests.watches({ open: true }).length === 1,
      'the informer to watch again',
    );
    cluster.faults.interruptWatches({}, 'drop');
    await until(() => errors.length > 0, 'the informer error');
    await informer.stop();
    expect(adds.sort()).toEqual(['one', 'two']);
  });

  it('watches custom resources in the requested version', async () => {
    cluster = await startFakeCluster({ controller: false, kubelet: false });
    const custom = cluster.kubeConfig.makeApiClient(CustomObjectsApi);
    const alpha = await watch(
      cluster,
      '/apis/agents.x-k8s.io/v1alpha1/namespaces/default/sandboxes',
      {},
    );
    await custom.createNamespacedCustomObject({
      group: 'agents.x-k8s.io',
      version: 'v1beta1',
      namespace: 'default',
      plural: 'sandboxes',
      body: {
        apiVersion: 'agents.x-k8s.io/v1beta1',
        kind: 'Sandbox',
        metadata: { name: 's' },
        spec: {
          operatingMode: 'Suspended',
          podTemplate: { spec: { containers: [{ name: 'c', image: 'i' }] } },
        },
      },
    });
    await until(() => alpha.events.length === 1, 'the alpha event');
    expect(alpha.events[0]!.obj.apiVersion).toBe('agents.x-k8s.io/v1alpha1');
    expect(alpha.events[0]!.obj.spec.replicas).toBe(0);
    alpha.controller.abort();
  });

  it('fault knobs: 5xx, 429 with Retry-After, latency, reset', async () => {
    cluster = await startFakeCluster({ controller: false, kubelet: false });
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    const h500 = cluster.faults.error(
      { verb: 'list', resource: 'configmaps' },
      { status: 500, times: 2 },
    );
    await expect(core.listNamespacedConfigMap({ namespace: 'default' })).rejects.toMatchObject({
      code: 500,
    });
    await expect(core.listNamespacedConfigMap({ namespace: 'default' })).rejects.toMatchObject({
      code: 500,
    });
    await expect(core.listNamespacedConfigMap({ namespace: 'default' })).resolves.toBeDefined();
    expect(h500.hits).toBe(2);
    cluster.faults.error({ method: 'POST' }, { status: 429, retryAfterSeconds: 7 });
    const err: any = await core
      .createNamespacedConfigMap({ namespace: 'default', body: cm('r') })
      .catch((e: unknown) => e);
    expect(err.code).toBe(429);
    expect(err.headers['retry-after']).toBe('7');
    expect(JSON.parse(err.body)).toMatchObject({
      reason: 'TooManyRequests',
      details: { retryAfterSeconds: 7 },
    });
    const slow = cluster.faults.latency({ path: /configmaps$/ }, 100);
    const t0 = Date.now();
    await core.listNamespacedConfigMap({ namespace: 'default' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(95);
    slow.remove();
    cluster.faults.resetConnection({ verb: 'get' });
    await expect(core.readNamespace({ name: 'default' })).rejects.toThrow();
    await expect(core.readNamespace({ name: 'default' })).resolves.toMatchObject({
      metadata: { name: 'default' },
    });
    expect(cluster.requests.filter({ verb: 'get' })[0]!.fault).toBe('reset');
  });
});
