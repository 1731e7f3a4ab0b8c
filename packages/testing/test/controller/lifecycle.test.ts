/* eslint-disable @typescript-eslint/no-explicit-any -- tests read untyped status JSON */
import { afterEach, describe, expect, it } from 'vitest';
import { formatKubeTime } from '../../src/clock.js';
import type { KubeObject } from '../../src/store/types.js';
import {
  NS,
  PODS,
  SERVICES,
  claim,
  condition,
  gvrs,
  pool,
  startHarness,
  template,
  type Harness,
} from './harness.js';

const G = gvrs();
let h: Harness;

afterEach(async () => {
  await h.stop();
});

function sandbox(name: string, spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'agents.x-k8s.io/v1beta1',
    kind: 'Sandbox',
    metadata: { name, namespace: NS },
    spec: {
      podTemplate: {
        spec: {
          restartPolicy: 'Never',
          containers: [
            { name: 'main', image: 'busybox', ports: [{ containerPort: 8080, name: 'http' }] },
          ],
        },
      },
      ...spec,
    },
  };
}

async function readyClaim(name: string, lifecycle: Record<string, unknown>): Promise<void> {
  h.store.create(G.templates, template('tpl'));
  h.store.create(G.pools, pool('p', 'tpl', 0));
  h.store.create(G.claims, claim(name, 'p', { lifecycle }));
  await h.advance(10);
  expect(condition(h.store.get(G.claims, NS, name), 'Ready')?.status).toBe('True');
}

describe('Sandbox lifecycle (v1beta1)', () => {
  it('creates a headless Service when asked and reports serviceFQDN', async () => {
    h = await startHarness({ controller: { clusterDomain: 'corral.test' } });
    h.store.create(G.sandboxes, sandbox('svc', { service: true }));
    await h.advance(10);
    const svc = h.store.get(SERVICES, NS, 'svc')!;
    expect((svc.spec as any).clusterIP).toBe('None');
    expect((svc.spec as any).ports).toEqual([
      { name: 'http', protocol: 'TCP', port: 8080, targetPort: 8080 },
    ]);
    const sb = h.store.get(G.sandboxes, NS, 'svc')!;
    expect(sb.status).toMatchObject({ service: 'svc', serviceFQDN: 'svc.default.svc.corral.test' });
    expect(condition(sb, 'Ready')).toMatchObject({
      status: 'True',
      message: 'Pod is Ready; Service Exists',
    });
  });

  it('suspends (pod deleted, Suspended=True) and resumes with a new pod IP', async () => {
    h = await startHarness();
    h.store.create(G.sandboxes, sandbox('s1'));
    await h.advance(10);
    const firstIP = (h.store.get(G.sandboxes, NS, 's1')!.status as any).podIPs[0];
    h.store.patch(G.sandboxes, NS, 's1', { spec: { operatingMode: 'Suspended' } }, 'merge');
    await h.settle();
    let sb = h.store.get(G.sandboxes, NS, 's1')!;
    expect(h.store.get(PODS, NS, 's1')).toBeUndefined();
    expect(condition(sb, 'Suspended')).toMatchObject({
      status: 'True',
      reason: 'PodTerminated',
      message: 'Pod has been terminated. Sandbox is suspended',
    });
    expect(condition(sb, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'SandboxSuspended',
      message: 'Sandbox is suspended',
    });
    expect(condition(sb, 'PodScheduled')).toBeUndefined();
    expect((sb.status as any).podIPs).toBeUndefined();
    expect(sb.metadata.annotations?.['agents.x-k8s.io/pod-name']).toBeUndefined();

    h.store.patch(G.sandboxes, NS, 's1', { spec: { operatingMode: 'Running' } }, 'merge');
    await h.advance(10);
    sb = h.store.get(G.sandboxes, NS, 's1')!;
    expect(condition(sb, 'Ready')).toMatchObject({ status: 'True' });
    expect(condition(sb, 'Suspended')).toMatchObject({ status: 'False', reason: 'NotSuspended' });
    expect((sb.status as any).podIPs[0]).not.toBe(firstIP);
  });

  it('recreates a pod that was deleted while running', async () => {
    h = await startHarness();
    h.store.create(G.sandboxes, sandbox('s2'));
    await h.advance(10);
    const uid = h.store.get(PODS, NS, 's2')!.metadata.uid;
    h.store.delete(PODS, NS, 's2');
    await h.advance(10);
    expect(h.store.get(PODS, NS, 's2')!.metadata.uid).not.toBe(uid);
    expect(condition(h.store.get(G.sandboxes, NS, 's2'), 'Ready')?.status).toBe('True');
  });

  it('expires a Sandbox at shutdownTime: Retain keeps it with conditions only, Delete removes it', async () => {
    h = await startHarness();
    const at = formatKubeTime(h.clock.now() + 60_000);
    h.store.create(G.sandboxes, sandbox('keep', { shutdownTime: at, service: true }));
    h.store.create(G.sandboxes, sandbox('drop', { shutdownTime: at, shutdownPolicy: 'Delete' }));
    await h.advance(10);
    expect(condition(h.store.get(G.sandboxes, NS, 'keep'), 'Ready')?.status).toBe('True');
    await h.advance(60_000);
    expect(h.store.get(G.sandboxes, NS, 'drop')).toBeUndefined();
    const kept = h.store.get(G.sandboxes, NS, 'keep')!;
    expect(Object.keys(kept.status as object)).toEqual(['conditions']);
    expect(condition(kept, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'SandboxExpired',
      message: 'Sandbox has expired',
    });
    expect(condition(kept, 'PodScheduled')).toBeUndefined();
    expect(h.store.get(PODS, NS, 'keep')).toBeUndefined();
    expect(h.store.get(SERVICES, NS, 'keep')).toBeUndefined();
  });
});

describe('claim lifecycle (v1beta1)', () => {
  it('Retain: marks ClaimExpired, deletes the Sandbox, keeps the claim', async () => {
    h = await startHarness();
    await readyClaim('r1', { shutdownTime: formatKubeTime(h.clock.now() + 30_000) });
    await h.advance(30_000);
    const c = h.store.get(G.claims, NS, 'r1')!;
    expect(condition(c, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'ClaimExpired',
      message: 'Claim expired. Sandbox cleanup initiated.',
    });
    expect(h.store.get(G.sandboxes, NS, 'r1')).toBeUndefined();
    expect(h.store.get(PODS, NS, 'r1')).toBeUndefined();
    expect((c.status as any).sandbox).toBeUndefined();
  });

  it('Delete: deletes the claim at shutdownTime and everything it owns', async () => {
    h = await startHarness();
    await readyClaim('d1', {
      shutdownTime: formatKubeTime(h.clock.now() + 30_000),
      shutdownPolicy: 'Delete',
    });
    await h.advance(30_000);
    expect(h.store.get(G.claims, NS, 'd1')).toBeUndefined();
    expect(h.store.get(G.sandboxes, NS, 'd1')).toBeUndefined();
    expect(h.store.get(PODS, NS, 'd1')).toBeUndefined();
  });

  it('DeleteForeground: the claim stays visible with a deletionTimestamp until its Sandbox is gone', async () => {
    h = await startHarness();
    await readyClaim('f1', {
      shutdownTime: formatKubeTime(h.clock.now() + 30_000),
      shutdownPolicy: 'DeleteForeground',
    });
    const seen: string[] = [];
    const stop = h.store.watch(
      G.claims,
      { resourceVersion: h.store.currentResourceVersion() },
      (e) => {
        seen.push(
          `${e.type}:${e.object.metadata.deletionTimestamp !== undefined}:${(e.object.metadata.finalizers ?? []).join(',')}`,
        );
      },
    );
    await h.advance(30_000);
    stop();
    expect(seen).toContain('MODIFIED:true:foregroundDeletion');
    expect(seen.at(-1)).toMatch(/^DELETED/);
    expect(h.store.get(G.claims, NS, 'f1')).toBeUndefined();
    expect(h.store.get(G.sandboxes, NS, 'f1')).toBeUndefined();
  });

  it('ttlSecondsAfterFinished: deletes the claim that long after the pod finished', async () => {
    h = await startHarness();
    await readyClaim('t1', { ttlSecondsAfterFinished: 60, shutdownPolicy: 'Delete' });
    h.kubelet.succeedPod(NS, 't1');
    await h.settle();
    const c = h.store.get(G.claims, NS, 't1')!;
    expect(condition(c, 'Finished')).toMatchObject({
      status: 'True',
      reason: 'PodSucceeded',
      message: 'Pod completed successfully',
    });
    expect(condition(c, 'Ready')).toMatchObject({ status: 'False', reason: 'PodSucceeded' });
    await h.advance(59_000);
    expect(h.store.get(G.claims, NS, 't1')).toBeDefined();
    await h.advance(1_000);
    expect(h.store.get(G.claims, NS, 't1')).toBeUndefined();
  });

  it('a claim without lifecycle never expires', async () => {
    h = await startHarness();
    await readyClaim('forever', {});
    await h.advance(24 * 3600_000);
    expect(condition(h.store.get(G.claims, NS, 'forever'), 'Ready')?.status).toBe('True');
  });
});
