import { convertAgentSandbox, startFakeCluster } from '@corral/testing';
import type { FakeCluster, KubeObject } from '@corral/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertManifestsToV1beta1, parseResource } from '../../src/index.js';
import { NEEDS_REFERENCE, REFERENCE_PRESENT, loadExamples } from '../schemas/reference.js';

const pod = { spec: { containers: [{ name: 'runner', image: 'node:22-slim' }] } };
const alpha = (kind: string, name: string, spec: Record<string, unknown>, extra = {}) => ({
  apiVersion: `${kind === 'Sandbox' ? 'agents.x-k8s.io' : 'extensions.agents.x-k8s.io'}/v1alpha1`,
  kind,
  metadata: { name, namespace: 'team' },
  spec,
  ...extra,
});

describe('convertManifestsToV1beta1', () => {
  it('turns Sandbox replicas into operatingMode and drops status', () => {
    const { objects, problems, notes } = convertManifestsToV1beta1([
      alpha('Sandbox', 'a', { podTemplate: pod, replicas: 0 }, { status: { replicas: 0 } }),
      alpha('Sandbox', 'b', { podTemplate: pod, replicas: 1 }),
    ]);
    expect(problems).toEqual([]);
    expect(objects[0]).toEqual({
      apiVersion: 'agents.x-k8s.io/v1beta1',
      kind: 'Sandbox',
      metadata: { name: 'a', namespace: 'team' },
      spec: { podTemplate: pod, operatingMode: 'Suspended' },
    });
    expect((objects[1] as { spec: unknown }).spec).toEqual({
      podTemplate: pod,
      operatingMode: 'Running',
    });
    expect(notes.join('\n')).toMatch(/Sandbox a: status removed/);
  });

  it('maps every claim warmpool policy to a warmPoolRef, adding cold pools where v1beta1 needs one', () => {
    const { objects, problems, notes } = convertManifestsToV1beta1([
      alpha('SandboxTemplate', 'py', { podTemplate: pod }),
      alpha('SandboxWarmPool', 'py-warm', { replicas: 3, sandboxTemplateRef: { name: 'py' } }),
      alpha('SandboxClaim', 'named', { sandboxTemplateRef: { name: 'py' }, warmpool: 'py-warm' }),
      alpha('SandboxClaim', 'any', { sandboxTemplateRef: { name: 'py' } }),
      alpha('SandboxClaim', 'fresh', { sandboxTemplateRef: { name: 'py' }, warmpool: 'none' }),
      alpha('SandboxClaim', 'other', { sandboxTemplateRef: { name: 'go' }, warmpool: 'default' }),
    ]);
    expect(problems).toEqual([]);
    const ref = (i: number) => (objects[i] as { spec: Record<string, unknown> }).spec;
    expect(ref(2)).toEqual({ warmPoolRef: { name: 'py-warm' } });
    expect(ref(3)).toEqual({ warmPoolRef: { name: 'py-warm' } });
    expect(ref(4)).toEqual({ warmPoolRef: { name: 'shadow-pool-py' } });
    expect(ref(5)).toEqual({ warmPoolRef: { name: 'shadow-pool-go' } });
    expect(objects.slice(6)).toEqual([
      expect.objectContaining({
        kind: 'SandboxWarmPool',
        metadata: expect.objectContaining({ name: 'shadow-pool-py', namespace: 'team' }),
        spec: { replicas: 0, sandboxTemplateRef: { name: 'py' } },
      }),
      expect.objectContaining({
        metadata: expect.objectContaining({ name: 'shadow-pool-go' }),
        spec: { replicas: 0, sandboxTemplateRef: { name: 'go' } },
      }),
    ]);
    for (const object of objects) expect(() => parseResource(object)).not.toThrow();
    expect(notes.join('\n')).toMatch(/warmpool "none" \(always a fresh sandbox\)/);
  });

  it('refuses what v1beta1 cannot express, naming the field', () => {
    const { problems } = convertManifestsToV1beta1([
      alpha('Sandbox', 'two', { podTemplate: pod, replicas: 2 }),
      alpha('SandboxClaim', 'odd', { sandboxTemplateRef: { name: 'py' }, gpus: 1 }),
      alpha('SandboxWarmPool', 'p', { replicas: 1, sandboxTemplateRef: { name: 'go' } }),
      alpha('SandboxClaim', 'mismatch', { sandboxTemplateRef: { name: 'py' }, warmpool: 'p' }),
      alpha('SandboxClaim', 'broken', { warmpool: 'none' }),
    ]);
    expect(problems).toEqual([
      expect.stringMatching(/Sandbox two: spec.replicas: must be less than or equal to 1/),
      expect.stringMatching(/SandboxClaim odd: spec.gpus has no v1beta1 equivalent/),
      expect.stringMatching(
        /SandboxClaim mismatch: spec.warmpool names pool p, whose template is go/,
      ),
      expect.stringMatching(/SandboxClaim broken: spec.sandboxTemplateRef/),
    ]);
  });

  it('keeps v0.1.0 behaviour explicit: Services on, no NetworkPolicy', () => {
    const { objects, notes } = convertManifestsToV1beta1(
      [
        alpha('SandboxTemplate', 't', { podTemplate: pod }),
        alpha('Sandbox', 's', { podTemplate: pod }),
      ],
      { from: 'v0.1.0' },
    );
    expect((objects[0] as { spec: unknown }).spec).toEqual({
      podTemplate: pod,
      service: true,
      networkPolicyManagement: 'Unmanaged',
    });
    expect((objects[1] as { spec: unknown }).spec).toEqual({ podTemplate: pod, service: true });
    expect(notes.join('\n')).toMatch(/networkPolicyManagement: Unmanaged added/);
  });

  it('leaves other kinds and v1beta1 objects untouched, and strips webhook state annotations', () => {
    const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' } };
    const beta = {
      apiVersion: 'extensions.agents.x-k8s.io/v1beta1',
      kind: 'SandboxClaim',
      metadata: { name: 'c' },
      spec: { warmPoolRef: { name: 'p' } },
    };
    const pool = alpha(
      'SandboxWarmPool',
      'p',
      { replicas: 1, sandboxTemplateRef: { name: 't' } },
      {},
    );
    (pool.metadata as Record<string, unknown>).annotations = {
      'api.agents.x-k8s.io/v1alpha1-sandboxwarmpool-state': '{}',
    };
    const { objects } = convertManifestsToV1beta1([service, beta, pool]);
    expect(objects[0]).toEqual(service);
    expect(objects[1]).toEqual(beta);
    expect((objects[2] as { metadata: unknown }).metadata).toEqual({
      name: 'p',
      namespace: 'team',
    });
  });
});

const isAgentSandbox = (o: Record<string, unknown>): boolean =>
  /(^|\.)agents\.x-k8s\.io\//.test(String(o.apiVersion));

/**
 * Removes the webhook's record of the whole object (a hand-written manifest lacks it), keeping the
 * annotations that carry beta-only fields, as `kubectl get -o yaml` of an alpha object shows them.
 */
function withoutWebhookState(
  object: KubeObject,
  prefix = 'api.agents.x-k8s.io/v1alpha1-',
): KubeObject {
  const annotations = Object.fromEntries(
    Object.entries(object.metadata.annotations ?? {}).filter(([k]) => !k.startsWith(prefix)),
  );
  const metadata = { ...object.metadata };
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  else delete metadata.annotations;
  return { ...object, metadata };
}

/**
 * Upstream's examples against the API server's own conversion (the fake's copy of upstream's
 * webhook rules): v0.1.0 examples converted by us must carry the spec the webhook makes of them;
 * current v1beta1 examples taken down to v1alpha1 by the webhook must come back unchanged. Every
 * result must be accepted by the v1beta1 CRDs of the fake API server.
 */
describe.skipIf(!REFERENCE_PRESENT)(`upstream examples ${NEEDS_REFERENCE}`, () => {
  let cluster: FakeCluster;
  let namespaces = 0;
  beforeAll(async () => {
    cluster = await startFakeCluster({ controller: false, kubelet: false });
  });
  afterAll(async () => cluster?.stop());

  /** Creates `object` in a namespace of its own (examples reuse names). */
  async function accepted(object: KubeObject): Promise<void> {
    const namespace = `convert-${(namespaces += 1)}`;
    await post(cluster, '/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: namespace },
    });
    const [group, version] = object.apiVersion.split('/');
    const plural = `${object.kind.toLowerCase()}${object.kind === 'Sandbox' ? 'es' : 's'}`;
    await post(cluster, `/apis/${group}/${version}/namespaces/${namespace}/${plural}`, {
      ...object,
      metadata: { ...object.metadata, namespace },
    });
  }

  it('v0.1.0: every example converts to the spec the webhook makes of it', async () => {
    const docs = loadExamples('v0.1.0').map((e) => e.doc);
    const { objects, problems } = convertManifestsToV1beta1(docs, { from: 'v0.1.0' });
    expect(problems).toEqual([]);
    const alphas = docs.filter(isAgentSandbox);
    expect(alphas.length).toBeGreaterThan(0);
    for (const [i, original] of docs.entries()) {
      const object = objects[i] as KubeObject;
      if (!isAgentSandbox(original)) {
        expect(object).toEqual(original);
        continue;
      }
      expect(object.apiVersion).toMatch(/\/v1beta1$/);
      expect(() => parseResource(object)).not.toThrow();
      const webhook = convertAgentSandbox(original as KubeObject, 'v1beta1');
      const webhookSpec = { ...(webhook.spec as Record<string, unknown>) };
      const ours = { ...(object.spec as Record<string, unknown>) };
      // What --from v0.1.0 adds on purpose to keep v0.1.0's behaviour:
      delete ours.service;
      delete ours.networkPolicyManagement;
      if (object.kind === 'SandboxClaim') {
        // The webhook names a shadow pool; we prefer the one pool of the template in the input.
        const pool = (ours.warmPoolRef as { name: string }).name;
        const template = (original.spec as { sandboxTemplateRef: { name: string } })
          .sandboxTemplateRef.name;
        const inInput = objects.some(
          (o) =>
            (o as KubeObject).kind === 'SandboxWarmPool' &&
            (o as KubeObject).metadata.name === pool &&
            (o as { spec: { sandboxTemplateRef: { name: string } } }).spec.sandboxTemplateRef
              .name === template,
        );
        expect(pool === (webhookSpec.warmPoolRef as { name: string }).name || inInput).toBe(true);
        delete ours.warmPoolRef;
        delete webhookSpec.warmPoolRef;
      }
      expect(ours).toEqual(webhookSpec);
      await accepted(object);
    }
    for (const added of objects.slice(docs.length)) await accepted(added as KubeObject);
  });

  it('main-2fd412d5: v1beta1 examples taken to v1alpha1 by the webhook come back unchanged', async () => {
    const docs = loadExamples('main-2fd412d5').map((e) => e.doc as KubeObject);
    // As stored: the API server defaults a pool's replicas (1) before any conversion sees it.
    const betas = docs
      .filter((d) => isAgentSandbox(d) && d.apiVersion.endsWith('/v1beta1'))
      .map((d) => {
        const spec = d.spec as Record<string, unknown>;
        return d.kind === 'SandboxWarmPool' && spec.replicas === undefined
          ? { ...d, spec: { ...spec, replicas: 1 } }
          : d;
      });
    expect(betas.length).toBeGreaterThan(0);
    // A claim's alpha form names its template; the webhook alone cannot know it.
    const templateOfPool = new Map(
      betas
        .filter((d) => d.kind === 'SandboxWarmPool')
        .map((d) => [
          d.metadata.name,
          (d.spec as { sandboxTemplateRef: { name: string } }).sandboxTemplateRef.name,
        ]),
    );
    const alphas = betas.map((beta) => {
      const alpha = withoutWebhookState(convertAgentSandbox(beta, 'v1alpha1'));
      if (alpha.kind === 'SandboxClaim') {
        const spec = alpha.spec as { sandboxTemplateRef: { name: string }; warmpool: string };
        spec.sandboxTemplateRef = { name: templateOfPool.get(spec.warmpool) ?? spec.warmpool };
      }
      return alpha;
    });
    const { objects, problems } = convertManifestsToV1beta1(alphas);
    expect(problems).toEqual([]);
    expect(objects.length).toBe(betas.length);
    for (const [i, beta] of betas.entries()) {
      const back = objects[i] as KubeObject;
      // The alpha Sandbox writes replicas: 1 where the beta one left operatingMode to its default.
      const expected = structuredClone(beta);
      if (
        beta.kind === 'Sandbox' &&
        (expected.spec as Record<string, unknown>).operatingMode === undefined
      ) {
        (expected.spec as Record<string, unknown>).operatingMode = 'Running';
      }
      expect(back).toEqual(withoutWebhookState(expected, 'api.agents.x-k8s.io/'));
      await accepted(back);
    }
  });
});

async function post(cluster: FakeCluster, path: string, body: unknown): Promise<void> {
  const response = await fetch(`${cluster.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status, await response.clone().text()).toBe(201);
}
