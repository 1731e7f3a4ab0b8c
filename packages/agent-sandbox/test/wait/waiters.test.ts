import { describe, expect, it } from 'vitest';
import {
  ClaimFailedError,
  ManualClock,
  ObjectDeletedError,
  SandboxFailedError,
  WaitTimeoutError,
  waitForClaimReady,
  waitForDeleted,
  waitForFinished,
  waitForSandboxReady,
  type InformerProvider,
  type KubeObject,
  type SandboxKind,
} from '../../src/index.js';
import { InformerFactory } from '../../src/cache/informer-factory.js';
import { FakeSource, flush } from '../watch/fake-source.js';

function fakeCluster() {
  const clock = new ManualClock();
  const sources = new Map<SandboxKind, FakeSource>();
  const source = (kind: SandboxKind) => {
    let s = sources.get(kind);
    if (!s) sources.set(kind, (s = new FakeSource()));
    return s;
  };
  const factory = new InformerFactory(
    { watchSource: (kind) => source(kind) },
    { clock },
    'default',
  );
  const client: InformerProvider = {
    namespace: 'default',
    clock,
    informer: (kind, options) => factory.acquire(kind, options),
  };
  return { client, clock, source, factory };
}

let rv = 1000;
function claim(
  name: string,
  ready?: { status: string; reason: string; message?: string },
  sandbox?: object,
): KubeObject {
  return {
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      resourceVersion: String(++rv),
      generation: 1,
    },
    status: {
      ...(ready
        ? { conditions: [{ type: 'Ready', observedGeneration: 1, message: '', ...ready }] }
        : {}),
      ...(sandbox ? { sandbox } : {}),
    },
  };
}

describe('waitForClaimReady', () => {
  it('resolves with the bound Sandbox name, pod IPs and the Sandbox service FQDN', async () => {
    const { client, source } = fakeCluster();
    const sandboxes = source('Sandbox');
    sandboxes.put('pool-abcde', {
      status: { serviceFQDN: 'pool-abcde.default.svc.cluster.local', podIPs: ['10.0.0.9'] },
    });
    const wait = waitForClaimReady(client, 'c1', { timeoutMs: 5000 });
    const conn = await source('SandboxClaim').waitForConnections(1);
    conn.emit('ADDED', claim('c1', { status: 'False', reason: 'SandboxMissing' }));
    conn.emit(
      'MODIFIED',
      claim(
        'c1',
        { status: 'True', reason: 'DependenciesReady' },
        { name: 'pool-abcde', podIPs: ['10.0.0.9'] },
      ),
    );
    await expect(wait).resolves.toMatchObject({
      sandboxName: 'pool-abcde',
      podIPs: ['10.0.0.9'],
      serviceFQDN: 'pool-abcde.default.svc.cluster.local',
    });
  });

  it('accepts the v0.1.0 status shape (sandbox.Name) and can skip the Sandbox lookup', async () => {
    const { client, source, factory } = fakeCluster();
    source('SandboxClaim').objects.set(
      'old',
      claim('old', { status: 'True', reason: 'DependenciesReady' }, { Name: 'old' }),
    );
    await expect(
      waitForClaimReady(client, 'old', { includeSandbox: false }),
    ).resolves.toMatchObject({ sandboxName: 'old', podIPs: [] });
    expect(factory.size).toBe(0);
  });

  it('fails at once on a terminal reason with the reason and message', async () => {
    const { client, source } = fakeCluster();
    const wait = waitForClaimReady(client, 'bad');
    const conn = await source('SandboxClaim').waitForConnections(1);
    conn.emit(
      'ADDED',
      claim('bad', {
        status: 'False',
        reason: 'InvalidMetadata',
        message: 'label foo not allowed',
      }),
    );
    const error = await wait.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClaimFailedError);
    expect((error as ClaimFailedError).reason).toBe('InvalidMetadata');
    expect((error as Error).message).toContain('label foo not allowed');
  });

  it('keeps waiting through WarmPoolNotFound and names it on timeout', async () => {
    const { client, source, clock } = fakeCluster();
    const wait = waitForClaimReady(client, 'c2', { timeoutMs: 3000 });
    const settled = wait.catch((e: unknown) => e);
    const conn = await source('SandboxClaim').waitForConnections(1);
    conn.emit(
      'ADDED',
      claim('c2', {
        status: 'False',
        reason: 'WarmPoolNotFound',
        message: 'SandboxWarmPool "p" not found',
      }),
    );
    await flush();
    await clock.advance(3000);
    const error = await settled;
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect((error as Error).message).toContain('WarmPoolNotFound');
    expect((error as Error).message).toContain('SandboxWarmPool "p" not found');
    expect((error as WaitTimeoutError).lastSeen?.reason).toBe('WarmPoolNotFound');
  });

  it('fails with ObjectDeletedError when the claim is deleted', async () => {
    const { client, source } = fakeCluster();
    source('SandboxClaim').put('c3');
    const wait = waitForClaimReady(client, 'c3');
    const conn = await source('SandboxClaim').waitForConnections(1);
    conn.emit('DELETED', claim('c3'));
    await expect(wait).rejects.toBeInstanceOf(ObjectDeletedError);
  });

  it('releases its informers when done', async () => {
    const { client, source, factory } = fakeCluster();
    source('SandboxClaim').objects.set(
      'c4',
      claim('c4', { status: 'True', reason: 'DependenciesReady' }, { name: 'c4' }),
    );
    source('Sandbox').put('c4');
    await waitForClaimReady(client, 'c4');
    expect(factory.size).toBe(0);
  });
});

describe('waitForSandboxReady / waitForFinished / waitForDeleted', () => {
  it('waitForSandboxReady resolves on Ready and fails on a terminal reason', async () => {
    const { client, source } = fakeCluster();
    source('Sandbox').objects.set(
      's1',
      claim('s1', { status: 'True', reason: 'DependenciesReady' }),
    );
    await expect(waitForSandboxReady(client, 's1')).resolves.toMatchObject({
      metadata: { name: 's1' },
    });
    source('Sandbox').objects.set(
      's2',
      claim('s2', { status: 'False', reason: 'SandboxExpired', message: 'Sandbox has expired' }),
    );
    await expect(waitForSandboxReady(client, 's2')).rejects.toBeInstanceOf(SandboxFailedError);
  });

  it('waitForFinished returns PodSucceeded / PodFailed', async () => {
    const { client, source } = fakeCluster();
    const wait = waitForFinished(client, 'SandboxClaim', 'job');
    const conn = await source('SandboxClaim').waitForConnections(1);
    const finished = claim('job', { status: 'False', reason: 'PodFailed', message: 'exit 3' });
    (finished.status as { conditions: object[] }).conditions.push({
      type: 'Finished',
      status: 'True',
      reason: 'PodFailed',
      message: 'exit 3',
    });
    conn.emit('ADDED', finished);
    await expect(wait).resolves.toMatchObject({ reason: 'PodFailed', message: 'exit 3' });
  });

  it('waitForFinished also counts Ready=False/PodSucceeded before Finished is written', async () => {
    const { client, source } = fakeCluster();
    source('SandboxClaim').objects.set(
      'early',
      claim('early', { status: 'False', reason: 'PodSucceeded', message: 'done' }),
    );
    await expect(waitForFinished(client, 'SandboxClaim', 'early')).resolves.toMatchObject({
      reason: 'PodSucceeded',
      message: 'done',
    });
  });

  it('waitForFinished fails when the claim expires instead', async () => {
    const { client, source } = fakeCluster();
    source('SandboxClaim').objects.set(
      'exp',
      claim('exp', { status: 'False', reason: 'ClaimExpired' }),
    );
    await expect(waitForFinished(client, 'SandboxClaim', 'exp')).rejects.toBeInstanceOf(
      ClaimFailedError,
    );
  });

  it('waitForDeleted resolves when absent or on DELETED, and times out naming finalizers', async () => {
    const { client, source, clock } = fakeCluster();
    await expect(waitForDeleted(client, 'Sandbox', 'never-existed')).resolves.toBeUndefined();
    source('Sandbox').put('d1');
    const wait = waitForDeleted(client, 'Sandbox', 'd1');
    const conn = await source('Sandbox').waitForConnections(2);
    conn.emit('DELETED', claim('d1'));
    await expect(wait).resolves.toBeUndefined();

    source('Sandbox').put('d2', {
      metadata: { finalizers: ['x/y'], deletionTimestamp: '2026-01-01T00:00:00Z' },
    });
    const stuck = waitForDeleted(client, 'Sandbox', 'd2', { timeoutMs: 100 }).catch(
      (e: unknown) => e,
    );
    await source('Sandbox').waitForConnections(3);
    await flush();
    await clock.advance(100);
    const error = await stuck;
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect((error as Error).message).toMatch(/Terminating: finalizers: x\/y/);
  });
});
