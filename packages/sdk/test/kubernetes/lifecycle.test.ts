import { afterEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError, SandboxNotFoundError } from '../../src/errors.js';
import { NS, PODS, gvr, startEnv, type Env } from './fixtures.js';

let env: Env | undefined;

afterEach(async () => {
  if (env !== undefined) {
    expect(env.claims()).toEqual([]);
    await env.stop();
  }
  env = undefined;
});

describe('get, list, delete', () => {
  it('get reattaches by claim name (also from a second provider); a missing id is undefined', async () => {
    env = await startEnv();
    const first = env.provider();
    const { info, endpoint } = await first.create({ labels: { app: 'x' } });
    const second = env.provider();
    const found = await second.get(info.id);
    expect(found?.info).toMatchObject({ id: info.id, state: 'running', labels: { app: 'x' } });
    expect(found?.endpoint).toEqual(endpoint);
    expect(await second.get('corral-00000000')).toBeUndefined();
    await expect(second.get('Bad/Name!')).rejects.toBeInstanceOf(InvalidArgumentError);
    await second.delete(info.id);
    expect(await first.get(info.id)).toBeUndefined();
  });

  it('list returns Corral’s claims only, filtered by labels', async () => {
    env = await startEnv();
    const provider = env.provider();
    const a = await provider.create({ labels: { team: 'a' } });
    const b = await provider.create({ labels: { team: 'b' } });
    // A claim some other client made is not Corral's.
    env.cluster.store.create(gvr('sandboxclaims'), {
      apiVersion: 'extensions.agents.x-k8s.io/v1beta1',
      kind: 'SandboxClaim',
      metadata: {
        name: 'python-made',
        namespace: NS,
        labels: { 'agents.x-k8s.io/created-by': 'python-client', team: 'a' },
      },
      spec: { warmPoolRef: { name: 'cold' } },
    });
    const all = await provider.list();
    expect(all.map((i) => i.id).sort()).toEqual([a.info.id, b.info.id].sort());
    expect(all.every((i) => i.state === 'running' && i.metadata.podName !== undefined)).toBe(true);
    const onlyA = await provider.list({ labels: { team: 'a' } });
    expect(onlyA.map((i) => i.id)).toEqual([a.info.id]);
    await provider.delete(a.info.id);
    await provider.delete(b.info.id);
    env.cluster.store.delete(gvr('sandboxclaims'), NS, 'python-made');
  });

  it('delete is idempotent; foreground delete waits while the claim is Terminating until its pod is gone', async () => {
    env = await startEnv();
    const e = env;
    // a pod that ignores SIGTERM lives until its grace period ends: a foreground delete of the
    // claim cannot finish before that (the Sandbox and the pod block the claim)
    e.cluster.store.patch(
      gvr('sandboxtemplates'),
      NS,
      'tpl',
      { spec: { podTemplate: { spec: { terminationGracePeriodSeconds: 1 } } } },
      'merge',
    );
    const provider = env.provider();
    const { info } = await provider.create({});
    const podName = info.metadata.podName ?? info.metadata.sandboxName!;
    const release = e.cluster.kubelet!.ignoreSigterm(NS, podName);
    expect(env.sandboxes().map((s) => s.metadata.name)).toEqual([info.id]);
    const seen: string[] = [];
    const note = (what: string): void => {
      if (seen.at(-1) !== what) seen.push(what);
    };
    const stopClaims = e.cluster.store.watch(gvr('sandboxclaims'), { namespace: NS }, (ev) => {
      if (ev.type === 'DELETED') note('claim gone');
      else if (ev.object.metadata.deletionTimestamp !== undefined) note('claim terminating');
    });
    const stopPods = e.cluster.store.watch(PODS, { namespace: NS }, (ev) => {
      if (ev.object.metadata.name !== podName) return;
      if (ev.type === 'DELETED') note('pod gone');
      else if (ev.object.metadata.deletionTimestamp !== undefined) note('pod terminating');
    });
    try {
      await provider.delete(info.id, { foreground: true });
      // only the foreground wait returns after all of it: a plain DELETE returns at the first step
      expect(seen).toEqual(['claim terminating', 'pod terminating', 'pod gone', 'claim gone']);
      expect(env.claims()).toEqual([]);
      expect(env.sandboxes()).toEqual([]);
      expect(e.cluster.store.get(PODS, NS, podName)).toBeUndefined();
    } finally {
      stopClaims();
      stopPods();
      release();
    }
    await provider.delete(info.id);
    await provider.delete('never-existed');
    expect(provider.createdIds).toEqual([]);
  });

  it('a create with the id of a claim still being deleted waits until the old claim is gone', async () => {
    env = await startEnv();
    const e = env;
    e.cluster.store.patch(
      gvr('sandboxtemplates'),
      NS,
      'tpl',
      { spec: { podTemplate: { spec: { terminationGracePeriodSeconds: 1 } } } },
      'merge',
    );
    const first = env.provider();
    const id = 'rerun-task-1';
    const old = await first.create({ id });
    const oldClaim = e.cluster.store.get(gvr('sandboxclaims'), NS, id)!;
    const release = e.cluster.kubelet!.ignoreSigterm(NS, old.info.metadata.podName ?? id);
    // another client's foreground delete (a TTL with DeleteForeground, kubectl --cascade=foreground)
    e.cluster.store.delete(gvr('sandboxclaims'), NS, id, { propagationPolicy: 'Foreground' });
    expect(
      e.cluster.store.get(gvr('sandboxclaims'), NS, id)?.metadata.deletionTimestamp,
    ).toBeDefined();
    const order: string[] = [];
    const from = { namespace: NS, resourceVersion: e.cluster.store.currentResourceVersion() };
    const stop = e.cluster.store.watch(gvr('sandboxclaims'), from, (ev) => {
      if (ev.type === 'DELETED') order.push(`deleted ${ev.object.metadata.uid}`);
      if (ev.type === 'ADDED') order.push(`added ${ev.object.metadata.uid}`);
    });
    try {
      // without the wait this is a 409 AlreadyExists (ConflictError) for a claim about to vanish
      const second = env.provider();
      const fresh = await second.create({ id });
      const newClaim = e.cluster.store.get(gvr('sandboxclaims'), NS, id)!;
      expect(newClaim.metadata.uid).not.toBe(oldClaim.metadata.uid);
      expect(order).toEqual([`deleted ${oldClaim.metadata.uid}`, `added ${newClaim.metadata.uid}`]);
      expect(fresh.info.state).toBe('running');
      await second.delete(id, { foreground: true });
    } finally {
      stop();
      release();
    }
  });
});

describe('suspend and resume', () => {
  for (const crds of ['main', 'v0.4.6'] as const) {
    it(`${crds}: suspend stops the pod; resume brings a new pod IP and endpoint`, async () => {
      env = await startEnv({ crds });
      const e = env;
      const provider = env.provider(
        crds === 'main' ? {} : { template: 'tpl', warmPool: undefined },
      );
      const { info, endpoint } = await provider.create({});
      const sandboxName = info.metadata.sandboxName!;

      const paused = await provider.suspend(info.id);
      expect(paused.state).toBe('paused');
      expect(e.cluster.store.get(PODS, NS, sandboxName)).toBeUndefined();
      const sandbox = e.cluster.store.get(gvr('sandboxes', e.version), NS, sandboxName)!;
      expect(sandbox.spec).toMatchObject(
        crds === 'main' ? { operatingMode: 'Suspended' } : { replicas: 0 },
      );
      expect((await provider.get(info.id))?.info.state).toBe('paused');

      const resumed = await provider.resume(info.id);
      expect(resumed.info.state).toBe('running');
      expect(resumed.endpoint.baseUrl).toMatch(/^http:\/\/127\.244\./);
      expect(resumed.endpoint.baseUrl).not.toBe(endpoint.baseUrl);
      expect(e.cluster.store.get(PODS, NS, sandboxName)).toBeDefined();
      await provider.delete(info.id);
    });
  }

  it('v1alpha1 forced on a v1beta1-storage cluster: suspend ends on Suspended=True (S1)', async () => {
    // The alpha view keeps the status.replicas it had when the alpha client wrote (upstream's
    // conversion restores it from the v1alpha1-sandbox-state annotation), so it never reads 0.
    env = await startEnv({ crds: 'main' });
    const e = env;
    const provider = env.provider({ apiVersion: 'v1alpha1' });
    const { info } = await provider.create({});
    const sandboxName = info.metadata.sandboxName!;
    const paused = await provider.suspend(info.id, { timeoutMs: 10_000 });
    expect(paused.state).toBe('paused');
    expect(e.cluster.store.get(PODS, NS, sandboxName)).toBeUndefined();
    const alpha = e.cluster.store.get(gvr('sandboxes', 'v1alpha1'), NS, sandboxName)!;
    expect((alpha.spec as { replicas?: number }).replicas).toBe(0);
    expect((alpha.status as { replicas?: number }).replicas).not.toBe(0);
    const resumed = await provider.resume(info.id);
    expect(resumed.info.state).toBe('running');
    await provider.delete(info.id);
  });

  it('suspending a missing sandbox says so', async () => {
    env = await startEnv();
    await expect(env.provider().suspend('corral-00000000')).rejects.toBeInstanceOf(
      SandboxNotFoundError,
    );
  });
});

describe('signal cleanup', () => {
  it('deletes every claim this provider created, then re-raises the signal', async () => {
    env = await startEnv();
    const provider = env.provider();
    const other = env.provider();
    const mine = [await provider.create({}), await provider.create({})];
    const theirs = await other.create({});
    await provider.delete(mine[0]!.info.id); // already gone: cleanup must not mind
    const raised: NodeJS.Signals[] = [];
    const before = process.listenerCount('SIGTERM');
    const disposer = provider.enableSignalCleanup({ reraise: (s) => raised.push(s) });
    expect(process.listenerCount('SIGTERM')).toBe(before + 1);
    await disposer.handle('SIGTERM');
    expect(raised).toEqual(['SIGTERM']);
    expect(process.listenerCount('SIGTERM')).toBe(before);
    expect(env.claims().map((c) => c.metadata.name)).toEqual([theirs.info.id]);
    expect(provider.createdIds).toEqual([]);
    await other.delete(theirs.info.id);
  });

  it('cleanupOnSignal installs the handler; close removes it', async () => {
    env = await startEnv();
    const before = process.listenerCount('SIGINT');
    const provider = env.provider({ cleanupOnSignal: true });
    expect(process.listenerCount('SIGINT')).toBe(before + 1);
    await provider.close();
    expect(process.listenerCount('SIGINT')).toBe(before);
  });
});

describe('logs', () => {
  it('reads the pod log as lines (tailLines)', async () => {
    env = await startEnv();
    const provider = env.provider();
    const { info } = await provider.create({});
    const pod = info.metadata.podName!;
    env.cluster.store.patch(
      PODS,
      NS,
      pod,
      { metadata: { annotations: { 'testing.corral.dev/log': 'one\ntwo\nthree\n' } } },
      'merge',
    );
    const lines: string[] = [];
    for await (const line of provider.logs(info.id, { tailLines: 2 })) lines.push(line);
    expect(lines).toEqual(['two', 'three']);
    const all: string[] = [];
    for await (const line of provider.logs(info.id)) all.push(line);
    expect(all).toEqual(['one', 'two', 'three']);
    await provider.delete(info.id);
    await expect(async () => {
      for await (const line of provider.logs(info.id)) expect(line).toBeUndefined();
    }).rejects.toBeInstanceOf(SandboxNotFoundError);
  });
});
