/* eslint-disable @typescript-eslint/no-explicit-any -- tests read untyped status JSON */
import { nameHash } from '@corral/agent-sandbox';
import { afterEach, describe, expect, it } from 'vitest';
import {
  EVENTS,
  NS,
  PODS,
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

describe('claim → sandbox (v1beta1)', () => {
  it('stamps claim-first-ready-at in its own write after the first Ready=True (D7)', async () => {
    h = await startHarness();
    h.store.create(G.templates, template('tpl'));
    h.store.create(G.pools, pool('cold', 'tpl', 0));
    const seen: { ready: boolean; stamped: boolean }[] = [];
    const stop = h.store.watch(G.claims, { namespace: NS }, (e) =>
      seen.push({
        ready: condition(e.object, 'Ready')?.status === 'True',
        stamped:
          e.object.metadata.annotations?.['agents.x-k8s.io/claim-first-ready-at'] !== undefined,
      }),
    );
    h.store.create(G.claims, claim('fr', 'cold'));
    await h.advance(10);
    stop();
    const firstReady = seen.findIndex((s) => s.ready);
    expect(firstReady).toBeGreaterThan(0);
    expect(seen[firstReady]!.stamped).toBe(false);
    expect(seen[firstReady + 1]).toEqual({ ready: true, stamped: true });
    const stamp = h.store.get(G.claims, NS, 'fr')!.metadata.annotations![
      'agents.x-k8s.io/claim-first-ready-at'
    ]!;
    expect(new Date(stamp).toISOString()).toBe(stamp);
  });

  it('cold-starts a Sandbox named after the claim when the pool is empty', async () => {
    h = await startHarness();
    h.store.create(G.templates, template('tpl'));
    h.store.create(G.pools, pool('cold', 'tpl', 0));
    const created = h.store.create(G.claims, claim('c1', 'cold'));
    await h.advance(10);

    const sb = h.store.get(G.sandboxes, NS, 'c1')!;
    expect(sb.metadata.labels).toMatchObject({
      'agents.x-k8s.io/claim-uid': created.metadata.uid,
      'agents.x-k8s.io/launch-type': 'cold',
      'agents.x-k8s.io/sandbox-template-ref-hash': nameHash('tpl'),
      'agents.x-k8s.io/created-by': 'python-client',
    });
    expect(sb.metadata.annotations).toMatchObject({
      'agents.x-k8s.io/sandbox-template-ref': 'tpl',
      'agents.x-k8s.io/pod-name': 'c1',
    });
    expect(sb.metadata.ownerReferences).toEqual([
      expect.objectContaining({
        kind: 'SandboxClaim',
        name: 'c1',
        uid: created.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      }),
    ]);
    const podSpec = (sb.spec as any).podTemplate.spec;
    expect(podSpec.automountServiceAccountToken).toBe(false);
    expect(podSpec.dnsPolicy).toBe('None');
    expect(podSpec.dnsConfig).toEqual({ nameservers: ['8.8.8.8', '1.1.1.1'] });
    expect((sb.spec as any).shutdownTime).toBeUndefined();

    const pod = h.store.get(PODS, NS, 'c1')!;
    expect(pod.metadata.labels).toMatchObject({
      app: 'agent',
      'agents.x-k8s.io/sandbox-name-hash': nameHash('c1'),
      'agents.x-k8s.io/sandbox-template-ref-hash': nameHash('tpl'),
      'agents.x-k8s.io/created-by': 'python-client',
    });
    expect(pod.metadata.annotations).toMatchObject({
      team: 'corral',
      'agents.x-k8s.io/propagated-labels': 'app',
    });

    const c = h.store.get(G.claims, NS, 'c1')!;
    expect(condition(c, 'Ready')).toMatchObject({
      status: 'True',
      reason: 'DependenciesReady',
      message: 'Pod is Ready',
    });
    const podIP = (pod.status as any).podIP as string;
    expect(podIP).toMatch(/^127\.244\./);
    expect((c.status as any).sandbox).toEqual({ name: 'c1', podIPs: [podIP] });
    expect((h.store.get(G.sandboxes, NS, 'c1')!.status as any).selector).toBe(
      `agents.x-k8s.io/sandbox-name-hash=${nameHash('c1')}`,
    );

    const reasons = h.store.list(EVENTS, { namespace: NS }).items.map((e) => e.reason);
    expect(reasons).toContain('SandboxProvisioned');
  });

  it('adopts a Ready warm sandbox and refills the pool', async () => {
    h = await startHarness();
    h.store.create(G.templates, template('tpl'));
    h.store.create(G.pools, pool('warm', 'tpl', 2));
    await h.advance(10);
    const members = h.store.list(G.sandboxes, { namespace: NS }).items;
    expect(members).toHaveLength(2);
    expect(members.every((m) => m.metadata.name!.startsWith('warm-'))).toBe(true);
    let p = h.store.get(G.pools, NS, 'warm')!;
    expect(p.status).toMatchObject({
      replicas: 2,
      readyReplicas: 2,
      selector: `agents.x-k8s.io/warm-pool-sandbox=${nameHash('warm')}`,
    });
    const memberPod = h.store.get(PODS, NS, members[0]!.metadata.name!)!;
    expect(memberPod.metadata.labels).toMatchObject({
      'agents.x-k8s.io/warm-pool-sandbox': nameHash('warm'),
    });
    expect((members[0]!.spec as any).podTemplate.metadata.annotations).toMatchObject({
      'cluster-autoscaler.kubernetes.io/safe-to-evict': 'true',
    });

    const created = h.store.create(G.claims, claim('c2', 'warm'));
    await h.settle();
    expect((h.store.get(G.claims, NS, 'c2')!.status as any).sandbox.name).toMatch(/^warm-/);
    const c = h.store.get(G.claims, NS, 'c2')!;
    const name = (c.status as any).sandbox.name as string;
    expect(name).toMatch(/^warm-/);
    expect(condition(c, 'Ready')).toMatchObject({ status: 'True', reason: 'DependenciesReady' });
    expect(c.metadata.annotations).toMatchObject({ 'agents.x-k8s.io/sandbox-name': name });

    const sb = h.store.get(G.sandboxes, NS, name)!;
    expect(sb.metadata.labels).toMatchObject({
      'agents.x-k8s.io/launch-type': 'warm',
      'agents.x-k8s.io/claim-uid': created.metadata.uid,
    });
    expect(sb.metadata.labels).not.toHaveProperty('agents.x-k8s.io/warm-pool-sandbox');
    expect(sb.metadata.labels).not.toHaveProperty('agents.x-k8s.io/sandbox-template-hash');
    expect(sb.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'SandboxClaim', name: 'c2', controller: true }),
    ]);
    expect(sb.metadata.annotations).toMatchObject({ 'agents.x-k8s.io/pod-name': name });
    expect((sb.spec as any).podTemplate.metadata.annotations).not.toHaveProperty(
      'cluster-autoscaler.kubernetes.io/safe-to-evict',
    );
    const pod = h.store.get(PODS, NS, name)!;
    expect(pod.metadata.labels).not.toHaveProperty('agents.x-k8s.io/warm-pool-sandbox');
    expect(pod.metadata.labels).toMatchObject({ 'agents.x-k8s.io/created-by': 'python-client' });
    expect((c.status as any).sandbox.podIPs).toEqual([(pod.status as any).podIP]);

    await h.advance(10);
    p = h.store.get(G.pools, NS, 'warm')!;
    expect(p.status).toMatchObject({ replicas: 2, readyReplicas: 2 });
    expect(h.store.list(G.sandboxes, { namespace: NS }).items).toHaveLength(3);
    expect(h.store.list(EVENTS, { namespace: NS }).items.map((e) => e.reason)).toContain(
      'SandboxAdopted',
    );
  });

  it('waits for warm candidates without pod IPs, then cold-starts after the grace period', async () => {
    h = await startHarness({ kubelet: { startDelayMs: 60_000 } });
    h.store.create(G.templates, template('tpl'));
    h.store.create(G.pools, pool('slow', 'tpl', 1));
    await h.settle();
    h.store.create(G.claims, claim('c3', 'slow'));
    await h.settle();
    expect(h.store.get(G.claims, NS, 'c3')!.status).toBeUndefined();
    for (let i = 0; i < 5; i++) await h.advance(500);
    expect(h.store.get(G.sandboxes, NS, 'c3')).toBeDefined();
    expect(h.store.get(G.sandboxes, NS, 'c3')!.metadata.labels).toMatchObject({
      'agents.x-k8s.io/launch-type': 'cold',
    });
  });

  it('waits with WarmPoolNotFound / TemplateNotFound and proceeds when they appear', async () => {
    h = await startHarness();
    h.store.create(G.claims, claim('c4', 'later'));
    await h.settle();
    expect(condition(h.store.get(G.claims, NS, 'c4'), 'Ready')).toMatchObject({
      status: 'False',
      reason: 'WarmPoolNotFound',
      message: 'SandboxWarmPool "later" not found',
    });
    h.store.create(G.pools, pool('later', 'tpl-later', 0));
    await h.settle();
    expect(condition(h.store.get(G.claims, NS, 'c4'), 'Ready')).toMatchObject({
      reason: 'TemplateNotFound',
      message: 'SandboxTemplate "tpl-later" not found',
    });
    h.store.create(G.templates, template('tpl-later'));
    await h.advance(10);
    expect(condition(h.store.get(G.claims, NS, 'c4'), 'Ready')).toMatchObject({ status: 'True' });
  });

  it('rejects invalid additionalPodMetadata and env the template forbids (terminal reasons)', async () => {
    h = await startHarness();
    h.store.create(G.templates, template('tpl'));
    h.store.create(G.pools, pool('p', 'tpl', 0));
    h.store.create(
      G.claims,
      claim('bad-meta', 'p', { additionalPodMetadata: { labels: { team: 'x' } } }),
    );
    h.store.create(G.claims, claim('bad-env', 'p', { env: [{ name: 'A', value: '1' }] }));
    h.store.create(
      G.claims,
      claim('good-meta', 'p', {
        additionalPodMetadata: { labels: { 'sandbox.users.io/team': 'x' } },
      }),
    );
    await h.advance(10);
    expect(condition(h.store.get(G.claims, NS, 'bad-meta'), 'Ready')).toMatchObject({
      reason: 'InvalidMetadata',
      message:
        'invalid additionalPodMetadata: failed to validate label "team": label "team" must have a domain prefix (e.g. \'sandbox.users.io/my-label\') to prevent opting into unintended policy domains',
    });
    expect(condition(h.store.get(G.claims, NS, 'bad-env'), 'Ready')).toMatchObject({
      reason: 'EnvVarsInjectionRejected',
      message:
        'environment variable injection rejected: environment variable injection is not allowed by the template policy',
    });
    expect(h.store.get(G.sandboxes, NS, 'bad-env')).toBeUndefined();
    expect(condition(h.store.get(G.claims, NS, 'good-meta'), 'Ready')).toMatchObject({
      status: 'True',
    });
    expect(h.store.get(PODS, NS, 'good-meta')!.metadata.labels).toMatchObject({
      'sandbox.users.io/team': 'x',
    });
  });

  it('mirrors a failed pod as Ready=False/PodFailed and Finished=True', async () => {
    h = await startHarness();
    h.store.create(G.templates, template('tpl'));
    h.store.create(G.pools, pool('p', 'tpl', 0));
    h.store.create(G.claims, claim('c5', 'p'));
    await h.advance(10);
    h.kubelet.failPod(NS, 'c5', { exitCode: 3, message: 'boom' });
    await h.settle();
    const sb = h.store.get(G.sandboxes, NS, 'c5')!;
    expect(condition(sb, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'PodFailed',
      message: 'Pod failed',
    });
    expect(condition(sb, 'Finished')).toMatchObject({
      status: 'True',
      reason: 'PodFailed',
      message: 'Pod failed',
    });
    const c = h.store.get(G.claims, NS, 'c5')!;
    expect(condition(c, 'Ready')).toMatchObject({ status: 'False', reason: 'PodFailed' });
    expect(condition(c, 'Finished')).toMatchObject({ status: 'True', reason: 'PodFailed' });
    const pod = h.store.get(PODS, NS, 'c5')!;
    expect((pod.status as any).phase).toBe('Failed');
    expect((pod.status as any).containerStatuses[0].state.terminated).toMatchObject({
      exitCode: 3,
      reason: 'Error',
      message: 'boom',
    });
  });
});
