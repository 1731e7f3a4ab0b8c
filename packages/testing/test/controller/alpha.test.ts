/* eslint-disable @typescript-eslint/no-explicit-any -- tests read untyped status JSON */
import { nameHash } from '@corral/agent-sandbox';
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/store/types.js';
import {
  NS,
  PODS,
  condition,
  gvrs,
  pool,
  startHarness,
  template,
  type Harness,
} from './harness.js';

const G = gvrs('v1alpha1');
let h: Harness;

afterEach(async () => {
  await h.stop();
});

function alphaClaim(
  name: string,
  templateName: string,
  spec: Record<string, unknown> = {},
): KubeObject {
  return {
    apiVersion: 'extensions.agents.x-k8s.io/v1alpha1',
    kind: 'SandboxClaim',
    metadata: { name, namespace: NS },
    spec: { sandboxTemplateRef: { name: templateName }, ...spec },
  };
}

describe('alpha-only clusters', () => {
  it('v0.4.6: warmpool "default" adopts from any pool of the template, "none" cold-starts', async () => {
    h = await startHarness({ crds: 'v0.4.6' });
    expect(h.controller.apiFlavor).toBe('v1alpha1');
    h.store.create(G.templates, template('tpl', {}, 'v1alpha1'));
    h.store.create(G.pools, pool('wp', 'tpl', 1, 'v1alpha1'));
    await h.advance(10);
    h.store.create(G.claims, alphaClaim('warm', 'tpl'));
    h.store.create(G.claims, alphaClaim('cold', 'tpl', { warmpool: 'none' }));
    await h.advance(10);
    const warm = h.store.get(G.claims, NS, 'warm')!;
    expect((warm.status as any).sandbox.name).toMatch(/^wp-/);
    expect(condition(warm, 'Ready')).toMatchObject({ status: 'True', reason: 'DependenciesReady' });
    const cold = h.store.get(G.claims, NS, 'cold')!;
    expect((cold.status as any).sandbox.name).toBe('cold');
    expect(h.store.get(G.sandboxes, NS, 'cold')!.metadata.labels).toMatchObject({
      'agents.x-k8s.io/launch-type': 'cold',
      'agents.x-k8s.io/sandbox-template-ref-hash': nameHash('tpl'),
    });
    expect(h.store.get(G.pools, NS, 'wp')!.status).toMatchObject({ replicas: 1, readyReplicas: 1 });
  });

  it('v0.4.6: replicas 0 deletes the pod and reports replicas 0', async () => {
    h = await startHarness({ crds: 'v0.4.6' });
    h.store.create(G.sandboxes, {
      apiVersion: 'agents.x-k8s.io/v1alpha1',
      kind: 'Sandbox',
      metadata: { name: 'a1', namespace: NS },
      spec: { podTemplate: { spec: { containers: [{ name: 'main', image: 'busybox' }] } } },
    });
    await h.advance(10);
    expect(h.store.get(G.sandboxes, NS, 'a1')!.status).toMatchObject({ replicas: 1 });
    h.store.patch(G.sandboxes, NS, 'a1', { spec: { replicas: 0 } }, 'merge');
    await h.settle();
    expect(h.store.get(PODS, NS, 'a1')).toBeUndefined();
    const sb = h.store.get(G.sandboxes, NS, 'a1')!;
    expect(sb.status).toMatchObject({ replicas: 0 });
    expect(condition(sb, 'Ready')).toMatchObject({
      status: 'True',
      message: 'Pod does not exist, replicas is 0',
    });
  });

  it('v0.1.0: claim status uses sandbox.Name and SandboxReady', async () => {
    h = await startHarness({ crds: 'v0.1.0' });
    expect(h.controller.apiFlavor).toBe('v0.1.0');
    h.store.create(G.templates, template('tpl', {}, 'v1alpha1'));
    h.store.create(G.claims, alphaClaim('old', 'tpl'));
    await h.advance(10);
    const c = h.store.get(G.claims, NS, 'old')!;
    expect((c.status as any).sandbox).toEqual({ Name: 'old' });
    expect(condition(c, 'Ready')).toMatchObject({
      status: 'True',
      reason: 'SandboxReady',
      message: 'Sandbox is ready',
    });
  });
});
