import { startFakeCluster, type FakeCluster } from '@corral/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AlreadyExistsError,
  KubeConflictError,
  InvalidError,
  KubeNotFoundError,
  UnsupportedRequestError,
  buildSandboxTemplate,
  buildSandboxWarmPool,
  createAgentSandboxClient,
  type AgentSandboxClient,
} from '../../src/index.js';

describe('AgentSandboxClient CRUD against the fake cluster', () => {
  let cluster: FakeCluster;
  let client: AgentSandboxClient;

  beforeAll(async () => {
    cluster = await startFakeCluster({ controller: false, kubelet: false });
    client = createAgentSandboxClient({ kubeConfig: cluster.kubeConfig, retry: false });
  });
  afterAll(async () => {
    client.close();
    await cluster.stop();
  });

  it('discovers v1beta1 and creates, gets, lists, patches, replaces and deletes', async () => {
    expect(await client.apiVersionFor('SandboxClaim')).toBe('v1beta1');
    const template = buildSandboxTemplate({ name: 'crud-template', image: 'python:3.12' });
    const created = await client.templates.create(template);
    expect(created.metadata.uid).toBeTruthy();
    expect(created.apiVersion).toBe('extensions.agents.x-k8s.io/v1beta1');
    await expect(client.templates.create(template)).rejects.toBeInstanceOf(AlreadyExistsError);

    const got = await client.templates.get('crud-template');
    expect(got.metadata.resourceVersion).toBe(created.metadata.resourceVersion);

    const patched = await client.templates.patch('crud-template', {
      metadata: { labels: { team: 'a' } },
    });
    expect(patched.metadata.labels).toMatchObject({ team: 'a' });

    await expect(client.templates.replace(created)).rejects.toBeInstanceOf(KubeConflictError);
    const replaced = await client.templates.replace({
      ...patched,
      metadata: { ...patched.metadata, annotations: { x: 'y' } },
    });
    expect(replaced.metadata.annotations).toMatchObject({ x: 'y' });

    const jsonPatched = await client.templates.jsonPatch('crud-template', [
      { op: 'add', path: '/metadata/labels/tier', value: 'gold' },
    ]);
    expect(jsonPatched.metadata.labels).toMatchObject({ team: 'a', tier: 'gold' });

    const listed = await client.templates.list({ labelSelector: 'team=a' });
    expect(listed.items.map((t) => t.metadata.name)).toEqual(['crud-template']);
    expect(listed.resourceVersion).not.toBe('');
    expect((await client.templates.list({ labelSelector: 'team=b' })).items).toEqual([]);

    const deleted = await client.templates.delete('crud-template', {
      propagationPolicy: 'Background',
    });
    expect(deleted.status).toBe('deleted');
    await expect(client.templates.get('crud-template')).rejects.toBeInstanceOf(KubeNotFoundError);
  });

  it('creates with generateName, applies server-side, pages through listAll', async () => {
    for (let i = 0; i < 5; i++) {
      await client.warmPools.create({
        metadata: { generateName: 'page-pool-', labels: { suite: 'paging' } },
        spec: { replicas: 0, sandboxTemplateRef: { name: 'none' } },
      });
    }
    const names: string[] = [];
    for await (const pool of client.warmPools.listAll({
      labelSelector: 'suite=paging',
      limit: 2,
    })) {
      names.push(pool.metadata.name);
    }
    expect(names).toHaveLength(5);
    expect(names.every((n) => n.startsWith('page-pool-'))).toBe(true);

    const applied = await client.warmPools.apply(
      buildSandboxWarmPool({ name: 'applied-pool', template: 'none', replicas: 2 }),
      { force: true },
    );
    expect(applied.spec.replicas).toBe(2);
    const reapplied = await client.warmPools.apply(
      buildSandboxWarmPool({ name: 'applied-pool', template: 'none', replicas: 3 }),
    );
    expect(reapplied.spec.replicas).toBe(3);
    const request = cluster.requests.filter({ method: 'PATCH', name: 'applied-pool' }).at(-1);
    expect(request?.query).toMatchObject({ fieldManager: 'corral' });

    for (const name of [...names, 'applied-pool']) await client.warmPools.delete(name);
    expect((await client.warmPools.list()).items).toEqual([]);
  });

  it('reads and writes the status and scale subresources', async () => {
    await client.warmPools.create(
      buildSandboxWarmPool({ name: 'scaled', template: 'none', replicas: 1 }),
    );
    const scale = await client.warmPools.getScale('scaled');
    expect(scale.spec?.replicas).toBe(1);
    const scaled = await client.warmPools.scale('scaled', 4);
    expect(scaled.spec?.replicas).toBe(4);
    expect((await client.warmPools.get('scaled')).spec.replicas).toBe(4);
    const withStatus = await client.warmPools.patchStatus('scaled', {
      status: { replicas: 4, readyReplicas: 2 },
    });
    expect(withStatus.status).toMatchObject({ readyReplicas: 2 });
    expect((await client.warmPools.getStatus('scaled')).status).toMatchObject({ readyReplicas: 2 });
    await expect(client.templates.getScale('x')).rejects.toBeInstanceOf(UnsupportedRequestError);
    await expect(client.sandboxes.getScale('x')).rejects.toThrow(/operatingMode/);
    await client.warmPools.delete('scaled');
  });

  it('turns a 422 into InvalidError with field causes', async () => {
    const error = await client.claims
      .create({ metadata: { name: 'bad-claim' }, spec: {} } as never)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidError);
    expect((error as InvalidError).causes.length).toBeGreaterThan(0);
    expect((error as InvalidError).message).toMatch(/warmPoolRef/);
  });

  it('sends the caller`s object unchanged, including fields no schema knows', async () => {
    const template = {
      ...buildSandboxTemplate({ name: 'extra-fields', image: 'busybox' }),
      futureField: { keep: true },
    };
    const created = await client.templates.create(template);
    expect(template).not.toHaveProperty('status');
    expect(created.metadata.name).toBe('extra-fields');
    await client.templates.delete('extra-fields');
  });

  it('aborts a request through its signal', async () => {
    const slow = cluster.faults.latency({ verb: 'get', resource: 'sandboxtemplates' }, 5_000);
    const abort = new AbortController();
    const pending = client.templates.get('anything', { signal: abort.signal });
    setTimeout(() => abort.abort(new Error('caller gave up')), 20);
    // The abort must reach the HTTP request (via RequestContext.setSignal), not wait for the
    // 5 s server delay: the race shows which came first.
    const first = await Promise.race([
      pending.catch((e: unknown) => e),
      new Promise((resolve) => setTimeout(() => resolve('server answered first'), 2_000)),
    ]);
    expect(first).toEqual(new Error('caller gave up'));
    slow.remove();
  });

  it('deletes with preconditions', async () => {
    const created = await client.templates.create(
      buildSandboxTemplate({ name: 'precond', image: 'busybox' }),
    );
    await expect(
      client.templates.delete('precond', { preconditions: { uid: 'not-the-uid' } }),
    ).rejects.toBeInstanceOf(KubeConflictError);
    await client.templates.delete('precond', { preconditions: { uid: created.metadata.uid } });
    await expect(client.templates.get('precond')).rejects.toBeInstanceOf(KubeNotFoundError);
  });
});
