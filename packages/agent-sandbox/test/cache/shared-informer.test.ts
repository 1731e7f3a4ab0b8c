import { describe, expect, it } from 'vitest';
import { ManualClock, SharedInformer, type KubeObject } from '../../src/index.js';
import { InformerFactory } from '../../src/cache/informer-factory.js';
import { FakeSource, flush, httpError } from '../watch/fake-source.js';

function obj(
  name: string,
  rv: number,
  extra: Partial<KubeObject['metadata']> = {},
  status?: unknown,
): KubeObject {
  return {
    metadata: { name, uid: `uid-${name}`, resourceVersion: String(rv), ...extra },
    ...(status ? { status } : {}),
  };
}

async function started(source: FakeSource, clock = new ManualClock()) {
  const informer = new SharedInformer(source, 'Sandbox', { clock });
  informer.start();
  await informer.synced();
  const conn = await source.waitForConnections(1);
  return { informer, conn, clock };
}

describe('SharedInformer', () => {
  it('loads the list, then applies add/update/delete events with handlers', async () => {
    const source = new FakeSource();
    source.put('a', { metadata: { labels: { app: 'x' } } });
    const { informer, conn } = await started(source);
    expect(informer.hasSynced).toBe(true);
    expect(informer.get('a')?.metadata?.name).toBe('a');
    const seen: string[] = [];
    informer.on('add', (o) => seen.push(`add ${o.metadata?.name}`));
    const off = informer.on('update', (o, old) =>
      seen.push(`update ${old.metadata?.resourceVersion}->${o.metadata?.resourceVersion}`),
    );
    informer.on('delete', (o) => seen.push(`delete ${o.metadata?.name}`));
    conn.emit('ADDED', obj('b', 200));
    conn.emit('MODIFIED', obj('a', 201));
    await flush();
    off();
    conn.emit('MODIFIED', obj('a', 202));
    conn.emit('DELETED', obj('b', 203));
    await flush();
    expect(seen).toEqual(['add b', 'update 101->201', 'delete b']);
    expect(informer.list().map((o) => o.metadata?.name)).toEqual(['a']);
    expect(informer.lastResourceVersion).toBe('203');
    informer.stop();
  });

  it('indexes by label, owner and custom functions, and keeps indexes current', async () => {
    const source = new FakeSource();
    source.put('a', {
      metadata: {
        labels: { pool: 'p1', tier: 'x' },
        ownerReferences: [{ apiVersion: 'v', kind: 'K', name: 'o', uid: 'owner-1' }],
      },
    });
    source.put('b', { metadata: { labels: { pool: 'p1' } } });
    const { informer, conn } = await started(source);
    informer.addIndexer('node', (o) =>
      [String((o.status as { nodeName?: string } | undefined)?.nodeName ?? '')].filter(Boolean),
    );
    expect(
      informer
        .byLabel('pool', 'p1')
        .map((o) => o.metadata?.name)
        .sort(),
    ).toEqual(['a', 'b']);
    expect(informer.list({ pool: 'p1', tier: 'x' }).map((o) => o.metadata?.name)).toEqual(['a']);
    expect(informer.byOwner('owner-1').map((o) => o.metadata?.name)).toEqual(['a']);
    conn.emit('MODIFIED', obj('b', 300, { labels: { pool: 'p2' } }, { nodeName: 'n1' }));
    await flush();
    expect(informer.byLabel('pool', 'p1').map((o) => o.metadata?.name)).toEqual(['a']);
    expect(informer.byLabel('pool', 'p2').map((o) => o.metadata?.name)).toEqual(['b']);
    expect(informer.byIndex('node', 'n1').map((o) => o.metadata?.name)).toEqual(['b']);
    conn.emit('DELETED', obj('a', 301));
    await flush();
    expect(informer.byOwner('owner-1')).toEqual([]);
    informer.stop();
  });

  it('waitFor resolves from the current state or from a later event', async () => {
    const source = new FakeSource();
    source.put('ready', { status: { phase: 'done' } });
    const { informer, conn } = await started(source);
    const isDone = (o: KubeObject | undefined) =>
      (o?.status as { phase?: string } | undefined)?.phase === 'done';
    await expect(informer.waitFor('ready', isDone)).resolves.toMatchObject({
      metadata: { name: 'ready' },
    });
    const later = informer.waitFor('later', isDone);
    conn.emit('ADDED', obj('later', 400));
    conn.emit('MODIFIED', obj('later', 401, {}, { phase: 'done' }));
    await expect(later).resolves.toMatchObject({ metadata: { resourceVersion: '401' } });
    informer.stop();
  });

  it('waitFor rejects when the check throws, on timeout (with the last state), and on abort', async () => {
    const source = new FakeSource();
    const { informer, conn, clock } = await started(source);
    const failing = informer.waitFor('x', (_o, change) => {
      if (change === 'DELETED') throw new Error('gone');
      return false;
    });
    conn.emit('ADDED', obj('x', 500));
    conn.emit('DELETED', obj('x', 501));
    await expect(failing).rejects.toThrow('gone');

    const timed = informer.waitFor('y', () => false, {
      timeoutMs: 1000,
      onTimeout: (last) => new Error(`timeout, last rv ${last?.metadata?.resourceVersion}`),
    });
    conn.emit('ADDED', obj('y', 502));
    await flush();
    const timedOut = expect(timed).rejects.toThrow('timeout, last rv 502');
    await clock.advance(1000);
    await timedOut;

    const abort = new AbortController();
    const aborted = informer.waitFor('z', () => false, { signal: abort.signal });
    abort.abort(new Error('stop'));
    await expect(aborted).rejects.toThrow('stop');
    informer.stop();
  });

  it('wakes only the waiters of the changed object, and resolves 1,000 waiters', async () => {
    const source = new FakeSource();
    const { informer, conn } = await started(source);
    let checks = 0;
    const waits = Array.from({ length: 1000 }, (_, i) =>
      informer.waitFor(`c${i}`, (o) => {
        checks++;
        return o !== undefined;
      }),
    );
    await flush();
    const before = checks;
    for (let i = 0; i < 1000; i++) conn.emit('ADDED', obj(`c${i}`, 1000 + i));
    await Promise.all(waits);
    expect(checks - before).toBe(1000);
    informer.stop();
  });

  it('a non-retryable watch failure rejects synced() and pending waiters', async () => {
    const source = new FakeSource();
    source.listErrors.push(httpError(403));
    const informer = new SharedInformer(source, 'Sandbox', { clock: new ManualClock() });
    informer.start();
    const waiting = informer.waitFor('a', () => false);
    await expect(informer.synced()).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(waiting).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(informer.waitFor('b', () => true)).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('synced() honours an abort signal without stopping the informer', async () => {
    const source = new FakeSource();
    source.listErrors.push(httpError(503));
    const informer = new SharedInformer(source, 'Sandbox', { clock: new ManualClock() });
    informer.start();
    const abort = new AbortController();
    const waiting = informer.synced({ signal: abort.signal });
    abort.abort(new Error('no longer needed'));
    await expect(waiting).rejects.toThrow('no longer needed');
    informer.stop();
  });

  it('stop() rejects pending waiters and closes the watch', async () => {
    const source = new FakeSource();
    const { informer, conn } = await started(source);
    const waiting = informer.waitFor('a', () => false);
    informer.stop();
    await expect(waiting).rejects.toThrow(/stopped/);
    expect(conn.closedByClient).toBe(true);
  });
});

describe('InformerFactory', () => {
  it('shares one informer (one list, one watch) per key and stops it on the last release', async () => {
    const source = new FakeSource();
    const factory = new InformerFactory(source, { clock: new ManualClock() }, 'default');
    const a = factory.acquire('Sandbox');
    const b = factory.acquire('Sandbox', { namespace: 'default' });
    const other = factory.acquire('SandboxClaim', { namespace: 'other' });
    expect(a).toBe(b);
    expect(other).not.toBe(a);
    await Promise.all([a.synced(), other.synced()]);
    await source.waitForConnections(2);
    expect(source.lists).toHaveLength(2);
    a.release();
    expect(factory.size).toBe(2);
    b.release();
    expect(factory.size).toBe(1);
    await flush();
    expect(source.connections[0]!.closedByClient || source.connections[1]!.closedByClient).toBe(
      true,
    );
    const again = factory.acquire('Sandbox');
    expect(again).not.toBe(a);
    again.release();
    other.release();
    expect(factory.size).toBe(0);
  });
});
