/* eslint-disable @typescript-eslint/no-explicit-any -- tests read untyped claim JSON */
import { afterEach, describe, expect, it } from 'vitest';
import {
  AbortedError,
  CorralError,
  InvalidArgumentError,
  PlacementNotFoundError,
  TimeoutError,
} from '../../src/errors.js';
import { CORRAL_LABELS, ROUTER_HEADERS } from '../../src/kubernetes/index.js';
import { Sandbox } from '../../src/sandbox/sandbox.js';
import { NS, gvr, pool, startEnv, type Env } from './fixtures.js';

let env: Env | undefined;

afterEach(async () => {
  if (env !== undefined) {
    // Nothing a test made may outlive it.
    expect(env.claims()).toEqual([]);
    await env.stop();
  }
  env = undefined;
});

describe('create (v1beta1)', () => {
  it('cold claim from a replicas-0 pool: served shape, safety net, labels, direct endpoint', async () => {
    env = await startEnv();
    const provider = env.provider({ maxLifetimeMs: 600_000, ttlSecondsAfterFinished: 30 });
    const before = Date.now();
    const { info, endpoint } = await provider.create({
      labels: { team: 'a' },
      taskId: 'task-42',
    });
    expect(info.id).toMatch(/^corral-[0-9a-f]{8}$/);
    expect(info.state).toBe('running');
    expect(info.provider).toBe('kubernetes');
    expect(info.labels).toEqual({ team: 'a' });
    expect(info).toMatchObject({ owner: 'test-owner', taskId: 'task-42' });
    expect(info.isolation).toMatchObject({ level: 'pod', detail: 'runtimeClassName: gvisor' });
    expect(info.metadata).toMatchObject({
      claimName: info.id,
      sandboxName: info.id, // cold start: the Sandbox is named after the claim
      namespace: NS,
      warmPool: 'cold',
    });
    expect(endpoint.baseUrl).toMatch(/^http:\/\/127\.244\.\d+\.\d+:8888$/);

    const claim = env.cluster.store.get(gvr('sandboxclaims'), NS, info.id)!;
    expect(claim.apiVersion).toBe('extensions.agents.x-k8s.io/v1beta1');
    expect(claim.spec).toMatchObject({
      warmPoolRef: { name: 'cold' },
      lifecycle: { shutdownPolicy: 'Delete', ttlSecondsAfterFinished: 30 },
    });
    const shutdown = Date.parse((claim.spec as any).lifecycle.shutdownTime);
    expect(shutdown).toBeGreaterThanOrEqual(before + 600_000 - 1000);
    expect(shutdown).toBeLessThanOrEqual(Date.now() + 601_000);
    expect(claim.metadata.labels).toEqual({
      'agents.x-k8s.io/created-by': 'corral',
      [CORRAL_LABELS.owner]: 'test-owner',
      [CORRAL_LABELS.taskId]: 'task-42',
      team: 'a',
    });
    const requestedAt = claim.metadata.annotations?.['agents.x-k8s.io/client-first-requested-at'];
    expect(requestedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(Math.abs(Date.parse(requestedAt!) - before)).toBeLessThan(5_000);

    await provider.delete(info.id);
  });

  it('warm claim adopts a pool member; router mode sends the Sandbox name and pod IP', async () => {
    env = await startEnv({ warmReplicas: 1 });
    const provider = env.provider({
      warmPool: 'warm',
      connection: {
        mode: 'router',
        routerUrl: 'http://router.example:8080/',
        routerToken: 's3cr3t',
      },
    });
    const { info, endpoint } = await provider.create({ id: 'my-claim' });
    expect(info.id).toBe('my-claim');
    expect(info.metadata.sandboxName).toMatch(/^warm-/);
    expect(info.metadata.launchType).toBe('warm');
    expect(endpoint.baseUrl).toBe('http://router.example:8080');
    expect(endpoint.headers).toEqual({
      [ROUTER_HEADERS.id]: info.metadata.sandboxName,
      [ROUTER_HEADERS.namespace]: NS,
      [ROUTER_HEADERS.port]: '8888',
      [ROUTER_HEADERS.podIP]: expect.stringMatching(/^127\.244\./),
      Authorization: 'Bearer s3cr3t',
    });
    await provider.delete(info.id);
  });

  it('caller labels are checked, and Corral’s label domains are reserved', async () => {
    env = await startEnv();
    const provider = env.provider();
    await expect(provider.create({ labels: { 'bad key!': 'x' } })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    await expect(provider.create({ labels: { 'corral.dev/owner': 'me' } })).rejects.toThrow(
      /reserved/,
    );
    await expect(provider.create({ id: 'Not_A_Name' })).rejects.toThrow(/SandboxClaim name/);
    expect(env.cluster.requests.count({ verb: 'create' })).toBe(0);
  });
});

describe('create (v1alpha1 only, CRD profile v0.4.6)', () => {
  it('claims by template (warmpool none) and by pool (template looked up)', async () => {
    env = await startEnv({ crds: 'v0.4.6', warmReplicas: 1 });
    const byTemplate = env.provider({ warmPool: undefined, template: 'tpl' });
    const cold = await byTemplate.create({});
    const coldClaim = env.cluster.store.get(gvr('sandboxclaims', 'v1alpha1'), NS, cold.info.id)!;
    expect(coldClaim.apiVersion).toBe('extensions.agents.x-k8s.io/v1alpha1');
    expect(coldClaim.spec).toMatchObject({
      sandboxTemplateRef: { name: 'tpl' },
      warmpool: 'none',
      lifecycle: { shutdownPolicy: 'Delete', ttlSecondsAfterFinished: 60 },
    });
    expect(cold.info.metadata.sandboxName).toBe(cold.info.id);

    const byPool = env.provider({ warmPool: 'warm' });
    const warm = await byPool.create({});
    const warmClaim = env.cluster.store.get(gvr('sandboxclaims', 'v1alpha1'), NS, warm.info.id)!;
    expect(warmClaim.spec).toMatchObject({ sandboxTemplateRef: { name: 'tpl' }, warmpool: 'warm' });
    expect(warm.info.metadata.sandboxName).toMatch(/^warm-/);
    expect(warm.endpoint.baseUrl).toMatch(/^http:\/\/127\.244\./);

    await byTemplate.delete(cold.info.id);
    await byPool.delete(warm.info.id);
  });

  it('a fixed apiVersion skips discovery', async () => {
    env = await startEnv({ crds: 'v0.4.6' });
    const provider = env.provider({ apiVersion: 'v1alpha1', template: 'tpl' });
    const { info } = await provider.create({});
    expect(info.metadata.apiVersion).toBe('extensions.agents.x-k8s.io/v1alpha1');
    expect(env.cluster.requests.count({ verb: 'discovery' })).toBe(0);
    await provider.delete(info.id);
  });
});

describe('create rolls back', () => {
  it('on a terminal reason (InvalidMetadata): CLAIM_FAILED, no claim left', async () => {
    env = await startEnv();
    const provider = env.provider();
    const error = await provider
      .create({ podLabels: { 'not-allowed.example/x': 'y' } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CorralError);
    expect((error as CorralError).code).toBe('CLAIM_FAILED');
    expect((error as CorralError).message).toMatch(/InvalidMetadata/);
    expect(env.claims()).toEqual([]);
    expect(provider.createdIds).toEqual([]);
  });

  it('on a failing pod (PodFailed)', async () => {
    env = await startEnv();
    const e = env;
    const provider = env.provider();
    // Fail the pod as soon as the kubelet has started it.
    const failed = e.until('pods', () => {
      const pod = e.cluster.store.list(
        { group: '', version: 'v1', resource: 'pods' },
        { namespace: NS },
      ).items[0];
      if ((pod?.status as any)?.phase !== 'Running') return false;
      e.cluster.kubelet!.failPod(NS, pod!.metadata.name!);
      return true;
    });
    const error = await provider.create({}).catch((err: unknown) => err);
    await failed;
    expect((error as CorralError).code).toBe('CLAIM_FAILED');
    expect((error as CorralError).message).toMatch(/PodFailed/);
    expect(env.claims()).toEqual([]);
  });

  it('on timeout: TimeoutError naming the last reason, no claim left', async () => {
    env = await startEnv();
    const unblock = env.cluster.kubelet!.blockStart(NS, () => true);
    const provider = env.provider();
    const error = await provider.create({ timeoutMs: 200 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).message).toMatch(/200 ms/);
    expect(env.claims()).toEqual([]);
    unblock();
  });

  it('on abort: AbortedError, and the rollback is not cut short by the aborted signal', async () => {
    env = await startEnv();
    const e = env;
    const unblock = env.cluster.kubelet!.blockStart(NS, () => true);
    const provider = env.provider();
    const controller = new AbortController();
    const reason = new Error('user pressed stop');
    void e.until('sandboxclaims', () => {
      if (e.claims().length === 0) return false;
      controller.abort(reason);
      return true;
    });
    const error = await provider.create({ signal: controller.signal }).catch((x: unknown) => x);
    expect(error).toBeInstanceOf(AbortedError);
    expect((error as AbortedError).cause).toBe(reason);
    expect(env.claims()).toEqual([]);
    unblock();
  });

  it('asks for a warm pool when none is configured', async () => {
    env = await startEnv();
    const provider = env.provider({ warmPool: undefined });
    await expect(provider.create({})).rejects.toThrow(/needs a warm pool/);
  });
});

describe('a missing warm pool or template fails fast (issue 13)', () => {
  it('names the pools of the namespace and of others, and makes no claim', async () => {
    env = await startEnv();
    env.cluster.store.create(
      { group: '', version: 'v1', resource: 'namespaces' },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'corral-sandboxes' } },
    );
    env.cluster.store.create(gvr('sandboxwarmpools'), {
      ...pool('corral-runner', 'tpl', 0),
      metadata: { name: 'corral-runner', namespace: 'corral-sandboxes' },
    });
    const provider = env.provider({ warmPool: 'corral-runner', readyTimeoutMs: 120_000 });
    const error = await provider.create({}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlacementNotFoundError);
    expect(error).toMatchObject({
      code: 'WARM_POOL_NOT_FOUND',
      kind: 'SandboxWarmPool',
      objectName: 'corral-runner',
      namespace: NS,
      available: ['cold'],
      elsewhere: ['corral-sandboxes/corral-runner'],
    });
    expect((error as Error).message).toContain(
      'warm pool corral-runner not found in namespace default; pools here: cold',
    );
    expect((error as Error).message).toContain('kubernetes: { namespace: "corral-sandboxes" }');
    expect(env.claims()).toEqual([]);
    expect(
      env.cluster.store.list(gvr('sandboxclaims'), { namespace: 'corral-sandboxes' }).items,
    ).toEqual([]);
  });

  it('through Sandbox.create: the same typed error for a template that is not there', async () => {
    env = await startEnv({ crds: 'v0.4.6' });
    const provider = env.provider({ warmPool: undefined, template: 'no-such-template' });
    const error = await Sandbox.create({ provider, timeoutMs: 120_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlacementNotFoundError);
    expect(error).toMatchObject({ code: 'TEMPLATE_NOT_FOUND', available: ['tpl'] });
    expect((error as Error).message).toMatch(/template no-such-template not found/);
    expect(env.claims()).toEqual([]);
  });

  it('a claim that times out on TemplateNotFound keeps that reason and message', async () => {
    env = await startEnv();
    // The pool exists (the check passes) but its template does not: the controller says so on
    // the claim's Ready condition, and the timeout keeps it.
    env.cluster.store.create(gvr('sandboxwarmpools'), pool('orphan', 'gone-template', 0));
    const provider = env.provider({ warmPool: 'orphan' });
    const error = await provider.create({ timeoutMs: 1_500 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({
      code: 'TIMEOUT',
      lastReason: 'TemplateNotFound',
      retryable: false,
    });
    expect((error as TimeoutError).lastMessage).toMatch(/gone-template/);
    expect((error as Error).message).toMatch(/Waiting longer will not help/);
    expect(env.claims()).toEqual([]);
  });
});

describe('watches live only while a sandbox does (issue 13 item 3)', () => {
  it('closes the informers with the last sandbox and reopens them on the next create', async () => {
    env = await startEnv();
    const provider = env.provider();
    const first = await provider.create({});
    const second = await provider.create({});
    expect(provider.client.informerCount).toBeGreaterThan(0);
    await provider.delete(first.info.id);
    // One sandbox is still live: its watches stay.
    expect(provider.client.informerCount).toBeGreaterThan(0);
    await provider.delete(second.info.id);
    expect(provider.client.informerCount).toBe(0);

    const third = await provider.create({});
    expect(third.info.state).toBe('running');
    expect(provider.client.informerCount).toBeGreaterThan(0);
    await provider.delete(third.info.id);
    expect(provider.client.informerCount).toBe(0);
  });

  it('a failed create leaves no watch behind', async () => {
    env = await startEnv();
    const unblock = env.cluster.kubelet!.blockStart(NS, () => true);
    const provider = env.provider();
    await expect(provider.create({ timeoutMs: 300 })).rejects.toBeInstanceOf(TimeoutError);
    expect(provider.client.informerCount).toBe(0);
    unblock();
  });
});
