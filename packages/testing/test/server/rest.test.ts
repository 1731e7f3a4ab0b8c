/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- client-node types custom-object bodies and errors as any */
import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  NetworkingV1Api,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeCluster } from '../../src/index.js';
import type { FakeCluster } from '../../src/index.js';

const G = 'extensions.agents.x-k8s.io';
const V = 'v1beta1';
const NS = 'default';

let cluster: FakeCluster;
let custom: CustomObjectsApi;
let core: CoreV1Api;

beforeAll(async () => {
  cluster = await startFakeCluster({ controller: false, kubelet: false });
  custom = cluster.kubeConfig.makeApiClient(CustomObjectsApi);
  core = cluster.kubeConfig.makeApiClient(CoreV1Api);
});
afterAll(() => cluster.stop());

async function failure(
  p: Promise<unknown>,
): Promise<{ code: number; status: any; headers: Record<string, string> }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiException) {
      return {
        code: err.code,
        status: typeof err.body === 'string' ? JSON.parse(err.body) : err.body,
        headers: err.headers,
      };
    }
    throw err;
  }
  throw new Error('expected the request to fail');
}

const pool = (name: string, replicas = 1) => ({
  apiVersion: `${G}/${V}`,
  kind: 'SandboxWarmPool',
  metadata: { name },
  spec: { replicas, sandboxTemplateRef: { name: 'tpl' } },
});

describe('REST through client-node', () => {
  it('creates, gets, lists and deletes a custom object', async () => {
    const created = await custom.createNamespacedCustomObject({
      group: G,
      version: V,
      namespace: NS,
      plural: 'sandboxwarmpools',
      body: pool('p1'),
    });
    expect(created.metadata.uid).toBeDefined();
    expect(created.metadata.generation).toBe(1);
    const defaulted = await custom.createNamespacedCustomObject({
      group: G,
      version: V,
      namespace: NS,
      plural: 'sandboxwarmpools',
      body: {
        ...pool('defaulted'),
        spec: { sandboxTemplateRef: { name: 't' }, updateStrategy: {} },
      },
    });
    expect(defaulted.spec).toEqual({
      replicas: 1,
      sandboxTemplateRef: { name: 't' },
      updateStrategy: { type: 'OnReplenish' },
    });
    const got = await custom.getNamespacedCustomObject({
      group: G,
      version: V,
      namespace: NS,
      plural: 'sandboxwarmpools',
      name: 'p1',
    });
    expect(got).toEqual(created);
    const list = await custom.listNamespacedCustomObject({
      group: G,
      version: V,
      namespace: NS,
      plural: 'sandboxwarmpools',
    });
    expect(list.kind).toBe('SandboxWarmPoolList');
    expect(list.metadata.resourceVersion).toMatch(/^\d+$/);
    expect(list.items.map((i: any) => i.metadata.name)).toContain('p1');
    const status = await custom.deleteNamespacedCustomObject({
      group: G,
      version: V,
      namespace: NS,
      plural: 'sandboxwarmpools',
      name: 'p1',
    });
    expect(status).toMatchObject({
      kind: 'Status',
      status: 'Success',
      details: { name: 'p1', group: G, kind: 'sandboxwarmpools' },
    });
    const missing = await failure(
      custom.getNamespacedCustomObject({
        group: G,
        version: V,
        namespace: NS,
        plural: 'sandboxwarmpools',
        name: 'p1',
      }),
    );
    expect(missing.code).toBe(404);
    expect(missing.status).toMatchObject({
      kind: 'Status',
      reason: 'NotFound',
      message: 'sandboxwarmpools.extensions.agents.x-k8s.io "p1" not found',
    });
    expect(missing.headers['content-type']).toBe('application/json');
  });

  it('answers 409 AlreadyExists and 409 Conflict on a stale resourceVersion', async () => {
    const p = await custom.createNamespacedCustomObject({
      group: G,
      version: V,
      namespace: NS,
      plural: 'sandboxwarmpools',
      body: pool('p2'),
    });
    expect(
      (
        await failure(
          custom.createNamespacedCustomObject({
            group: G,
            version: V,
            namespace: NS,
            plural: 'sandboxwarmpools',
            body: pool('p2'),
          }),
        )
      ).status.reason,
    ).toBe('AlreadyExists');
    await custom.replaceNamespacedCustomObject({
      group: G,
      version: V,
      namespace: NS,
      plural: 'sandboxwarmpools',
      name: 'p2',
      body: { ...p, spec: { ...p.spec, replicas: 2 } },
    });
    const stale = await failure(
      custom.replaceNamespacedCustomObject({
        group: G,
        version: V,
        namespace: NS,
        plural: 'sandboxwarmpools',
        name: 'p2',
        body: { ...p, spec: { ...p.spec, replicas: 3 } },
      }),
    );
    expect(stale.code).toBe(409);
    expect(stale.status.reason).toBe('Conflict');
  });

  it('merge patch, JSON patch, status and scale subresources', async () => {
    await custom.createNamespacedCustomObject({
      group: G,
      version: V,
      namespace: NS,
      plural: 'sandboxwarmpools',
      body: pool('p3'),
    });
    const merged = await custom.patchNamespacedCustomObject(
      {
        group: G,
        version: V,
        namespace: NS,
        plural: 'sandboxwarmpools',
        name: 'p3',
        body: { metadata: { labels: { a: 'b' } }, spec: { replicas: 4 } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(merged.spec.replicas).toBe(4);
    expect(merged.metadata.generation).toBe(2);
    const jp = await custom.patchNamespacedCustomObject(
      {
        group: G,
        version: V,
        namespace: NS,
        plural: 'sandboxwarmpools',
        name: 'p3',
        body: [{ op: 'replace', path: '/spec/replicas', value: 5 }],
      },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    );
    expect(jp.spec.replicas).toBe(5);
    const failedTest = await failure(
      custom.patchNamespacedCustomObject(
        {
          group: G,
          version: V,
          namespace: NS,
          plural: 'sandboxwarmpools',
          name: 'p3',
          body: [{ op: 'test', path: '/spec/replicas', value: 9 }],
        },
        setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
      ),
    );
    expect(failedTest.code).toBe(422);
    const notAPatch = await failure(
      custom.patchNamespacedCustomObject(
        {
          group: G,
          version: V,
          namespace: NS,
          plural: 'sandboxwarmpools',
          name: 'p3',
          body: { spec: {} },
        },
        setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
      ),
    );
    expect(notAPatch.code).toBe(400);
    const strategic = await failure(
      custom.patchNamespacedCustomObject(
        {
          group: G,
          version: V,
          namespace: NS,
          plural: 'sandboxwarmpools',
          name: 'p3',
          body: { spec: {} },
        },
        setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
      ),
    );
    expect(strategic.code).toBe(415);

    const withStatus = await custom.patchNamespacedCustomObjectStatus(
      {
        group: G,
        version: V,
        namespace: NS,
        plural: 'sandboxwarmpools',
        name: 'p3',
        body: { status: { replicas: 2, readyReplicas: 1, selector: 'x=y' } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(withStatus.status.readyReplicas).toBe(1);
    expect(withStatus.metadata.generation).toBe(3);
    const scale = await custom.getNamespacedCustomObjectScale({
      group: G,
      version: V,
      namespace: NS,
      plural: 'sandboxwarmpools',
      name: 'p3',
    });
    expect(scale).toMatchObject({
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      spec: { replicas: 5 },
      status: { replicas: 2, selector: 'x=y' },
    });
    const scaled = await custom.patchNamespacedCustomObjectScale(
      {
        group: G,
        version: V,
        namespace: NS,
        plural: 'sandboxwarmpools',
        name: 'p3',
        body: { spec: { replicas: 0 } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(scaled.spec.replicas).toBe(0);
    const after = await custom.getNamespacedCustomObject({
      group: G,
      version: V,
      namespace: NS,
      plural: 'sandboxwarmpools',
      name: 'p3',
    });
    expect(after.spec.replicas).toBe(0);
  });

  it('server-side apply: 201 on create, field managers, 409 conflicts, force', async () => {
    const apply = (manager: string, replicas: number, force?: boolean) =>
      custom.patchNamespacedCustomObjectWithHttpInfo(
        {
          group: G,
          version: V,
          namespace: NS,
          plural: 'sandboxwarmpools',
          name: 'ssa',
          fieldManager: manager,
          ...(force ? { force } : {}),
          body: pool('ssa', replicas),
        },
        setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
      );
    const first = await apply('alice', 1);
    expect(first.httpStatusCode).toBe(201);
    expect(first.data.metadata.managedFields[0]).toMatchObject({
      manager: 'alice',
      operation: 'Apply',
      fieldsType: 'FieldsV1',
    });
    expect((await apply('alice', 2)).httpStatusCode).toBe(200);
    const conflict = await failure(apply('bob', 3));
    expect(conflict.code).toBe(409);
    expect(conflict.status.details.causes[0]).toMatchObject({
      reason: 'FieldManagerConflict',
      field: '.spec.replicas',
    });
    expect((await apply('bob', 3, true)).data.spec.replicas).toBe(3);
    const noManager = await failure(
      custom.patchNamespacedCustomObject(
        {
          group: G,
          version: V,
          namespace: NS,
          plural: 'sandboxwarmpools',
          name: 'ssa',
          body: pool('ssa'),
        },
        setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
      ),
    );
    expect(noManager.code).toBe(400);
  });

  it('validates against the CRD schema with a real 422 body', async () => {
    const bad = await failure(
      custom.createNamespacedCustomObject({
        group: G,
        version: V,
        namespace: NS,
        plural: 'sandboxclaims',
        body: {
          apiVersion: `${G}/${V}`,
          kind: 'SandboxClaim',
          metadata: { name: 'c' },
          spec: { lifecycle: { shutdownPolicy: 'Never' } },
        },
      }),
    );
    expect(bad.code).toBe(422);
    expect(bad.status).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'Invalid',
      code: 422,
      details: { name: 'c', group: G, kind: 'SandboxClaim' },
    });
    expect(bad.status.message).toBe(
      'SandboxClaim.extensions.agents.x-k8s.io "c" is invalid: [spec.warmPoolRef: Required value, spec.lifecycle.shutdownPolicy: Unsupported value: "Never": supported values: "Delete", "DeleteForeground", "Retain"]',
    );
    const negative = await failure(
      custom.createNamespacedCustomObject({
        group: G,
        version: V,
        namespace: NS,
        plural: 'sandboxwarmpools',
        body: pool('neg', -1),
      }),
    );
    expect(negative.status.details.causes).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: 'spec.replicas',
        message: 'Invalid value: -1: spec.replicas in body should be greater than or equal to 0',
      },
    ]);
    const badName = await failure(
      custom.createNamespacedCustomObject({
        group: G,
        version: V,
        namespace: NS,
        plural: 'sandboxwarmpools',
        body: pool('Bad_Name'),
      }),
    );
    expect(badName.status.details.causes[0]).toMatchObject({
      field: 'metadata.name',
      reason: 'FieldValueInvalid',
    });
  });

  it('prunes unknown fields, warns, and rejects them under fieldValidation=Strict', async () => {
    const body = { ...pool('unknown'), spec: { ...pool('unknown').spec, bogus: 1 } };
    const res = await custom.createNamespacedCustomObjectWithHttpInfo({
      group: G,
      version: V,
      namespace: NS,
      plural: 'sandboxwarmpools',
      body,
    });
    expect(res.data.spec.bogus).toBeUndefined();
    expect(res.headers.warning).toBe('299 - "unknown field \\"spec.bogus\\""');
    const strict = await failure(
      custom.createNamespacedCustomObject({
        group: G,
        version: V,
        namespace: NS,
        plural: 'sandboxwarmpools',
        body: { ...body, metadata: { name: 'unknown2' } },
        fieldValidation: 'Strict',
      }),
    );
    expect(strict.code).toBe(400);
    expect(strict.status.message).toContain('unknown field "spec.bogus"');
  });

  it('sends the deprecation warning for v1alpha1', async () => {
    const res = await custom.listNamespacedCustomObjectWithHttpInfo({
      group: G,
      version: 'v1alpha1',
      namespace: NS,
      plural: 'sandboxclaims',
    });
    expect(res.headers.warning).toBe(
      '299 - "extensions.agents.x-k8s.io/v1alpha1 SandboxClaim is deprecated; use extensions.agents.x-k8s.io/v1beta1 SandboxClaim instead"',
    );
  });

  it('core kinds: pods with status, services, secrets, events, network policies', async () => {
    const pod = await core.createNamespacedPod({
      namespace: NS,
      body: {
        metadata: { name: 'web', labels: { app: 'web' } },
        spec: { containers: [{ name: 'c', image: 'nginx' }] },
      },
    });
    expect(pod.status?.phase).toBe('Pending');
    const updated = await core.patchNamespacedPodStatus(
      { name: 'web', namespace: NS, body: { status: { phase: 'Running', podIP: '10.0.0.5' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(updated.status?.phase).toBe('Running');
    const byPhase = await core.listNamespacedPod({
      namespace: NS,
      fieldSelector: 'status.phase=Running',
      labelSelector: 'app in (web,api)',
    });
    expect(byPhase.items.map((p) => p.metadata?.name)).toEqual(['web']);
    const svc = await core.createNamespacedService({
      namespace: NS,
      body: {
        metadata: { name: 'web' },
        spec: { clusterIP: 'None', selector: { app: 'web' }, ports: [{ port: 80 }] },
      },
    });
    expect(svc.spec?.clusterIP).toBe('None');
    const secret = await core.createNamespacedSecret({
      namespace: NS,
      body: { metadata: { name: 's' }, stringData: { token: 'abc' } },
    });
    expect(secret.data).toEqual({ token: Buffer.from('abc').toString('base64') });
    expect(secret.type).toBe('Opaque');
    await core.createNamespacedEvent({
      namespace: NS,
      body: {
        metadata: { generateName: 'web.' },
        involvedObject: { kind: 'Pod', name: 'web', namespace: NS },
        reason: 'Started',
        message: 'hi',
        type: 'Normal',
      },
    });
    const events = await core.listNamespacedEvent({
      namespace: NS,
      fieldSelector: 'involvedObject.name=web',
    });
    expect(events.items).toHaveLength(1);
    const net = cluster.kubeConfig.makeApiClient(NetworkingV1Api);
    await net.createNamespacedNetworkPolicy({
      namespace: NS,
      body: { metadata: { name: 'deny' }, spec: { podSelector: {}, policyTypes: ['Ingress'] } },
    });
    expect((await net.listNamespacedNetworkPolicy({ namespace: NS })).items).toHaveLength(1);
    const invalidPod = await failure(
      core.createNamespacedPod({
        namespace: NS,
        body: { metadata: { name: 'nocontainers' }, spec: { containers: [] } },
      }),
    );
    expect(invalidPod.code).toBe(422);
    const deleted = await core.deleteNamespacedPod({ name: 'web', namespace: NS });
    expect(deleted.metadata?.name).toBe('web');
  });

  it('paginates with limit and continue', async () => {
    await core.createNamespace({ body: { metadata: { name: 'paging' } } });
    for (let i = 0; i < 5; i++)
      await core.createNamespacedConfigMap({
        namespace: 'paging',
        body: { metadata: { name: `cm-${i}` } },
      });
    const names: string[] = [];
    let cont: string | undefined;
    let pages = 0;
    do {
      const page = await core.listNamespacedConfigMap({
        namespace: 'paging',
        limit: 2,
        ...(cont ? { _continue: cont } : {}),
      });
      names.push(...page.items.map((i) => i.metadata!.name!));
      cont = page.metadata?._continue;
      pages++;
    } while (cont);
    expect(pages).toBe(3);
    expect(names).toEqual(['cm-0', 'cm-1', 'cm-2', 'cm-3', 'cm-4']);
    await core.deleteNamespace({ name: 'paging' });
    expect((await core.listNamespacedConfigMap({ namespace: 'paging' })).items).toEqual([]);
    expect((await failure(core.readNamespace({ name: 'paging' }))).code).toBe(404);
  });

  it('supports KubernetesObjectApi through discovery', async () => {
    const objects = KubernetesObjectApi.makeApiClient(cluster.kubeConfig);
    const spec = {
      apiVersion: `${G}/${V}`,
      kind: 'SandboxWarmPool',
      metadata: { name: 'via-object-api', namespace: NS },
      spec: { replicas: 1, sandboxTemplateRef: { name: 't' } },
    };
    const created: any = await objects.create(spec);
    expect(created.metadata?.uid).toBeDefined();
    const read = await objects.read({
      apiVersion: spec.apiVersion,
      kind: spec.kind,
      metadata: { name: 'via-object-api', namespace: NS },
    });
    expect((read as any).spec.replicas).toBe(1);
    await objects.delete(spec);
    expect(
      cluster.store.get(
        { group: G, version: V, resource: 'sandboxwarmpools' },
        NS,
        'via-object-api',
      ),
    ).toBeUndefined();
  });

  it('records every request', () => {
    expect(
      cluster.requests.count({ verb: 'create', resource: 'sandboxwarmpools' }),
    ).toBeGreaterThan(3);
    const rec = cluster.requests.filter({
      method: 'GET',
      path: '/apis/extensions.agents.x-k8s.io/v1beta1/namespaces/default/sandboxwarmpools/p1',
    });
    expect(
      rec.map((r) => r.status),
      JSON.stringify(cluster.requests.all().slice(0, 3)),
    ).toEqual([200, 404]);
    expect(rec[0]!.durationMs).toBeGreaterThanOrEqual(0);
  });
});
