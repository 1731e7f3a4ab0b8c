import { describe, expect, it } from 'vitest';
import { createManualClock, createObjectStore, StatusError } from '../../src/index.js';
import type { KubeObject, StoreEvent } from '../../src/index.js';

const SANDBOXES = { group: 'agents.x-k8s.io', version: 'v1beta1', resource: 'sandboxes' };
const SANDBOXES_ALPHA = { group: 'agents.x-k8s.io', version: 'v1alpha1', resource: 'sandboxes' };
const CLAIMS = {
  group: 'extensions.agents.x-k8s.io',
  version: 'v1beta1',
  resource: 'sandboxclaims',
};
const POOLS = {
  group: 'extensions.agents.x-k8s.io',
  version: 'v1beta1',
  resource: 'sandboxwarmpools',
};
const PODS = { group: '', version: 'v1', resource: 'pods' };
const CONFIGMAPS = { group: '', version: 'v1', resource: 'configmaps' };
const NAMESPACES = { group: '', version: 'v1', resource: 'namespaces' };

function sandbox(name: string, extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'agents.x-k8s.io/v1beta1',
    kind: 'Sandbox',
    metadata: { name, namespace: 'default' },
    spec: { podTemplate: { spec: { containers: [{ name: 'main', image: 'busybox' }] } } },
    ...extra,
  };
}

function pod(name: string, meta: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', ...meta },
    spec: { containers: [{ name: 'c', image: 'busybox' }] },
  };
}

function statusOf(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (err) {
    if (err instanceof StatusError) return err;
    throw err;
  }
  throw new Error('expected a StatusError');
}

describe('createObjectStore', () => {
  it('creates with server-set metadata, defaults, and generateName', () => {
    const clock = createManualClock(Date.UTC(2026, 0, 2, 3, 4, 5));
    const store = createObjectStore({ clock });
    const created = store.create(SANDBOXES, {
      ...sandbox(''),
      metadata: { generateName: 'sb-', namespace: 'default' },
    });
    expect(created.metadata.name).toMatch(/^sb-[a-z0-9]{5}$/);
    expect(created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata.generation).toBe(1);
    expect(created.metadata.creationTimestamp).toBe('2026-01-02T03:04:05Z');
    expect((created.spec as Record<string, unknown>).operatingMode).toBe('Running');
    expect(store.get(SANDBOXES, 'default', created.metadata.name!)).toEqual(created);
  });

  it('rejects invalid objects with 422 and field causes', () => {
    const store = createObjectStore();
    const err = statusOf(() =>
      store.create(CLAIMS, {
        apiVersion: 'extensions.agents.x-k8s.io/v1beta1',
        kind: 'SandboxClaim',
        metadata: { name: 'c' },
        spec: { lifecycle: { shutdownPolicy: 'Nope' } },
      }),
    );
    expect(err.code).toBe(422);
    expect(err.message).toContain('SandboxClaim.extensions.agents.x-k8s.io "c" is invalid');
    expect(err.details?.causes).toEqual(
      expect.arrayContaining([
        { reason: 'FieldValueRequired', field: 'spec.warmPoolRef', message: 'Required value' },
        expect.objectContaining({
          reason: 'FieldValueNotSupported',
          field: 'spec.lifecycle.shutdownPolicy',
        }),
      ]),
    );
  });

  it('enforces optimistic concurrency and bumps generation only on spec changes', () => {
    const store = createObjectStore();
    const a = store.create(SANDBOXES, sandbox('a'));
    const labelled = store.update(SANDBOXES, {
      ...a,
      metadata: { ...a.metadata, labels: { x: 'y' } },
    });
    expect(labelled.metadata.generation).toBe(1);
    expect(Number(labelled.metadata.resourceVersion)).toBeGreaterThan(
      Number(a.metadata.resourceVersion),
    );
    const err = statusOf(() =>
      store.update(SANDBOXES, { ...a, spec: { ...(a.spec as object), service: true } }),
    );
    expect(err.code).toBe(409);
    expect(err.reason).toBe('Conflict');
    const changed = store.update(SANDBOXES, {
      ...labelled,
      spec: { ...(labelled.spec as object), service: true },
    });
    expect(changed.metadata.generation).toBe(2);
    // status writes go through the subresource only
    const ignored = store.update(SANDBOXES, { ...changed, status: { service: 'x' } });
    expect(ignored.status).toBeUndefined();
    const withStatus = store.update(
      SANDBOXES,
      { ...changed, status: { service: 'x' } },
      { subresource: 'status' },
    );
    expect(withStatus.status).toEqual({ service: 'x' });
    expect(withStatus.metadata.generation).toBe(2);
  });

  it('serves both versions from one stored copy (replicas <-> operatingMode)', () => {
    const store = createObjectStore();
    store.create(SANDBOXES_ALPHA, {
      ...sandbox('s'),
      apiVersion: 'agents.x-k8s.io/v1alpha1',
      spec: { podTemplate: { spec: { containers: [{ name: 'a', image: 'b' }] } }, replicas: 0 },
    });
    const beta = store.get(SANDBOXES, 'default', 's')!;
    expect((beta.spec as Record<string, unknown>).operatingMode).toBe('Suspended');
    expect((beta.spec as Record<string, unknown>).replicas).toBeUndefined();
    store.patch(SANDBOXES, 'default', 's', { spec: { operatingMode: 'Running' } }, 'merge');
    const alpha = store.get(SANDBOXES_ALPHA, 'default', 's')!;
    expect(alpha.apiVersion).toBe('agents.x-k8s.io/v1alpha1');
    expect((alpha.spec as Record<string, unknown>).replicas).toBe(1);
    expect(
      alpha.metadata.annotations?.['api.agents.x-k8s.io/v1alpha1-sandbox-state'],
    ).toBeUndefined();
  });

  it('watches with replay, selector transitions and 410 for compacted history', () => {
    const store = createObjectStore({ watchHistorySize: 3 });
    const start = store.currentResourceVersion();
    const events: StoreEvent[] = [];
    const stop = store.watch(PODS, { namespace: 'default', labelSelector: 'app=web' }, (e) =>
      events.push(e),
    );
    store.create(PODS, pod('p1', { labels: { app: 'web' } }));
    store.patch(PODS, 'default', 'p1', { metadata: { labels: { app: 'db' } } }, 'merge');
    store.patch(PODS, 'default', 'p1', { metadata: { labels: { app: 'web' } } }, 'merge');
    store.delete(PODS, 'default', 'p1');
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'DELETED', 'ADDED', 'DELETED']);
    stop();
    expect(statusOf(() => store.watch(PODS, { resourceVersion: start }, () => {})).code).toBe(410);
  });

  it('replays history after a resourceVersion and lists with limit/continue', () => {
    const store = createObjectStore();
    for (const n of ['a', 'b', 'c'])
      store.create(CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: n } });
    const page1 = store.list(CONFIGMAPS, { namespace: 'default', limit: 2 });
    expect(page1.items.map((i) => i.metadata.name)).toEqual(['a', 'b']);
    expect(page1.remainingItemCount).toBe(1);
    const page2 = store.list(CONFIGMAPS, {
      namespace: 'default',
      limit: 2,
      continue: page1.continue!,
    });
    expect(page2.items.map((i) => i.metadata.name)).toEqual(['c']);
    expect(page2.continue).toBeUndefined();
    const seen: string[] = [];
    store.watch(CONFIGMAPS, { resourceVersion: page1.resourceVersion }, (e) => seen.push(e.type));
    store.delete(CONFIGMAPS, 'default', 'a');
    expect(seen).toEqual(['DELETED']);
    const fromZero: string[] = [];
    store.watch(CONFIGMAPS, { resourceVersion: '0' }, (e) =>
      fromZero.push(`${e.type}:${e.object.metadata.name}`),
    );
    expect(fromZero).toEqual(['ADDED:b', 'ADDED:c']);
  });

  it('garbage-collects dependents in background, foreground and orphan modes, after the DELETE returns', async () => {
    const store = createObjectStore();
    const owner = store.create(SANDBOXES, sandbox('owner'));
    const ref = {
      apiVersion: 'agents.x-k8s.io/v1beta1',
      kind: 'Sandbox',
      name: 'owner',
      uid: owner.metadata.uid!,
      controller: true,
      blockOwnerDeletion: true,
    };
    store.create(PODS, pod('dep', { ownerReferences: [ref], finalizers: ['test/hold'] }));
    // Foreground: the owner stays with the foregroundDeletion finalizer; the dependent is
    // deleted by the garbage collector, after the DELETE has returned.
    const deleting = store.delete(SANDBOXES, 'default', 'owner', {
      propagationPolicy: 'Foreground',
    });
    expect(deleting.metadata.deletionTimestamp).toBeDefined();
    expect(deleting.metadata.finalizers).toContain('foregroundDeletion');
    expect(store.get(PODS, 'default', 'dep')!.metadata.deletionTimestamp).toBeUndefined();
    await store.gcSettled();
    expect(store.get(PODS, 'default', 'dep')!.metadata.deletionTimestamp).toBeDefined();
    expect(store.get(SANDBOXES, 'default', 'owner')!.metadata.finalizers).toEqual([
      'foregroundDeletion',
    ]);
    store.patch(PODS, 'default', 'dep', { metadata: { finalizers: null } }, 'merge');
    expect(store.get(PODS, 'default', 'dep')).toBeUndefined();
    await store.gcSettled();
    expect(store.get(SANDBOXES, 'default', 'owner')).toBeUndefined();

    // Orphan: the owner carries the orphan finalizer until the collector has cut the references.
    const owner2 = store.create(SANDBOXES, sandbox('owner2'));
    store.create(
      PODS,
      pod('dep2', { ownerReferences: [{ ...ref, name: 'owner2', uid: owner2.metadata.uid! }] }),
    );
    const orphaning = store.delete(SANDBOXES, 'default', 'owner2', { propagationPolicy: 'Orphan' });
    expect(orphaning.metadata.finalizers).toEqual(['orphan']);
    await store.gcSettled();
    expect(store.get(PODS, 'default', 'dep2')!.metadata.ownerReferences).toBeUndefined();
    expect(store.get(SANDBOXES, 'default', 'owner2')).toBeUndefined();

    // Background: the owner goes at once, its dependent right after.
    const owner3 = store.create(SANDBOXES, sandbox('owner3'));
    store.create(
      PODS,
      pod('dep3', { ownerReferences: [{ ...ref, name: 'owner3', uid: owner3.metadata.uid! }] }),
    );
    store.delete(SANDBOXES, 'default', 'owner3');
    expect(store.get(SANDBOXES, 'default', 'owner3')).toBeUndefined();
    expect(store.get(PODS, 'default', 'dep3')).toBeDefined();
    await store.gcSettled();
    expect(store.get(PODS, 'default', 'dep3')).toBeUndefined();
  });

  it('deletes a pod gracefully once a node runs it; unscheduled or terminal pods go at once', () => {
    const store = createObjectStore();
    store.create(PODS, pod('pending'));
    store.delete(PODS, 'default', 'pending');
    expect(store.get(PODS, 'default', 'pending')).toBeUndefined();

    const running = pod('running');
    (running.spec as Record<string, unknown>).nodeName = 'node-0';
    (running.spec as Record<string, unknown>).terminationGracePeriodSeconds = 7;
    store.create(PODS, running);
    const marked = store.delete(PODS, 'default', 'running');
    expect(marked.metadata.deletionGracePeriodSeconds).toBe(7);
    expect(
      Date.parse(marked.metadata.deletionTimestamp!) -
        Date.parse(marked.metadata.creationTimestamp!),
    ).toBeGreaterThanOrEqual(6_000);
    // a second DELETE may shorten the grace period, never lengthen it
    expect(
      store.delete(PODS, 'default', 'running', { gracePeriodSeconds: 60 }).metadata
        .deletionGracePeriodSeconds,
    ).toBe(7);
    expect(
      store.delete(PODS, 'default', 'running', { gracePeriodSeconds: 2 }).metadata
        .deletionGracePeriodSeconds,
    ).toBe(2);
    // the kubelet's final DELETE
    store.delete(PODS, 'default', 'running', { gracePeriodSeconds: 0 });
    expect(store.get(PODS, 'default', 'running')).toBeUndefined();

    const done = pod('done');
    (done.spec as Record<string, unknown>).nodeName = 'node-0';
    store.create(PODS, done);
    store.patch(PODS, 'default', 'done', { status: { phase: 'Succeeded' } }, 'merge', {
      subresource: 'status',
    });
    store.delete(PODS, 'default', 'done');
    expect(store.get(PODS, 'default', 'done')).toBeUndefined();
    expect(
      statusOf(() => store.delete(PODS, 'default', 'done-not', { gracePeriodSeconds: 1 })).code,
    ).toBe(404);
    store.create(PODS, pod('negative'));
    expect(
      statusOf(() => store.delete(PODS, 'default', 'negative', { gracePeriodSeconds: -1 })).code,
    ).toBe(422);
  });

  it('deletes a namespace with its contents', async () => {
    const store = createObjectStore({ namespaces: ['default', 'team'] });
    store.create(PODS, pod('p', { namespace: 'team' }));
    store.delete(NAMESPACES, undefined, 'team');
    expect(store.get(NAMESPACES, undefined, 'team')!.status).toEqual({ phase: 'Terminating' });
    expect(statusOf(() => store.create(PODS, pod('q', { namespace: 'team' }))).code).toBe(403);
    await store.gcSettled();
    expect(store.get(PODS, 'team', 'p')).toBeUndefined();
    expect(store.get(NAMESPACES, undefined, 'team')).toBeUndefined();
    expect(statusOf(() => store.create(PODS, pod('q', { namespace: 'team' }))).code).toBe(404);
  });

  it('server-side apply records managers and reports conflicts', () => {
    const store = createObjectStore();
    store.patch(
      POOLS,
      'default',
      'pool',
      {
        apiVersion: 'extensions.agents.x-k8s.io/v1beta1',
        kind: 'SandboxWarmPool',
        metadata: { name: 'pool' },
        spec: { replicas: 2, sandboxTemplateRef: { name: 't' } },
      },
      'apply',
      { fieldManager: 'alice' },
    );
    const err = statusOf(() =>
      store.patch(
        POOLS,
        'default',
        'pool',
        {
          apiVersion: 'extensions.agents.x-k8s.io/v1beta1',
          kind: 'SandboxWarmPool',
          metadata: { name: 'pool' },
          spec: { replicas: 3, sandboxTemplateRef: { name: 't' } },
        },
        'apply',
        { fieldManager: 'bob' },
      ),
    );
    expect(err.code).toBe(409);
    expect(err.details?.causes?.[0]).toMatchObject({
      reason: 'FieldManagerConflict',
      field: '.spec.replicas',
    });
    const forced = store.patch(
      POOLS,
      'default',
      'pool',
      {
        apiVersion: 'extensions.agents.x-k8s.io/v1beta1',
        kind: 'SandboxWarmPool',
        metadata: { name: 'pool' },
        spec: { replicas: 3, sandboxTemplateRef: { name: 't' } },
      },
      'apply',
      { fieldManager: 'bob', force: true },
    );
    expect((forced.spec as Record<string, unknown>).replicas).toBe(3);
    const managers = (
      forced.metadata.managedFields as { manager: string; operation: string }[]
    ).map((m) => `${m.manager}:${m.operation}`);
    expect(managers.sort()).toEqual(['alice:Apply', 'bob:Apply']);
    expect(statusOf(() => store.patch(POOLS, 'default', 'pool', {}, 'apply')).code).toBe(400);
  });
});
