import { describe, expect, it } from 'vitest';
import {
  ForbiddenError,
  ManualClock,
  watchResource,
  type WatchEvent,
  type KubeObject,
} from '../../src/index.js';
import { FakeSource, collect, flush, httpError, networkError } from './fake-source.js';

const noJitter = { initialMs: 100, maxMs: 800, factor: 2, jitter: 0 };

function summary(events: WatchEvent<KubeObject>[]): string[] {
  return events.map((e) =>
    e.type === 'SYNCED'
      ? `SYNCED${e.relist ? ' relist' : ''}`
      : `${e.type} ${e.object.metadata?.name}${e.synthetic ? '*' : ''}`,
  );
}

describe('watchResource', () => {
  it('lists, reports SYNCED, then watches from the list resourceVersion with bookmarks and a server timeout', async () => {
    const source = new FakeSource();
    source.put('a');
    source.put('b');
    const clock = new ManualClock();
    const abort = new AbortController();
    const { events } = collect(watchResource(source, 'Sandbox', { clock, signal: abort.signal }));
    const conn = await source.waitForConnections(1);
    expect(summary(events)).toEqual(['ADDED a*', 'ADDED b*', 'SYNCED']);
    expect(conn.options).toMatchObject({
      resourceVersion: '102',
      allowWatchBookmarks: true,
      timeoutSeconds: 300,
    });
    conn.emit('MODIFIED', { metadata: { name: 'a', resourceVersion: '103' } });
    await flush();
    expect(summary(events).at(-1)).toBe('MODIFIED a');
    abort.abort();
  });

  it('resumes from the last resourceVersion (bookmarks included) after a clean close, without backoff', async () => {
    const source = new FakeSource();
    const clock = new ManualClock();
    const abort = new AbortController();
    collect(watchResource(source, 'Sandbox', { clock, signal: abort.signal }));
    const first = await source.waitForConnections(1);
    first.emit('ADDED', { metadata: { name: 'x', resourceVersion: '150' } });
    first.emit('BOOKMARK', { metadata: { resourceVersion: '170' } });
    first.close();
    const second = await source.waitForConnections(2);
    expect(second.options.resourceVersion).toBe('170');
    expect(source.lists).toHaveLength(1);
    abort.abort();
  });

  it('backs off exponentially (capped) on network errors and on streams that close at once, resetting after an event', async () => {
    const source = new FakeSource();
    const clock = new ManualClock();
    const abort = new AbortController();
    collect(watchResource(source, 'Sandbox', { clock, signal: abort.signal, backoff: noJitter }));
    const delays: number[] = [];
    let conn = await source.waitForConnections(1);
    for (let i = 1; i <= 5; i++) {
      conn.close(i % 2 === 0 ? null : networkError());
      await clock.waitForSleeps(1); // the backoff (the watchdog ended with the connection)
      await flush();
      const backoff = clock.pendingDelays().filter((d) => d < 10_000);
      delays.push(backoff[0]!);
      await clock.advance(backoff[0]!);
      conn = await source.waitForConnections(i + 1);
    }
    expect(delays).toEqual([100, 200, 400, 800, 800]);
    conn.emit('ADDED', { metadata: { name: 'y', resourceVersion: '200' } });
    await flush();
    conn.close(networkError());
    await flush();
    expect(clock.pendingDelays().filter((d) => d < 10_000)).toEqual([100]);
    abort.abort();
  });

  it('relists on HTTP 410 and reports what changed while away as synthetic events', async () => {
    const source = new FakeSource();
    source.put('keep');
    source.put('change');
    source.put('gone');
    const clock = new ManualClock();
    const abort = new AbortController();
    const { events } = collect(watchResource(source, 'Sandbox', { clock, signal: abort.signal }));
    const first = await source.waitForConnections(1);
    source.put('change', { spec: { v: 2 } });
    source.objects.delete('gone');
    source.put('new');
    first.close(httpError(410));
    await source.waitForConnections(2);
    expect(summary(events)).toEqual([
      'ADDED keep*',
      'ADDED change*',
      'ADDED gone*',
      'SYNCED',
      'MODIFIED change*',
      'ADDED new*',
      'DELETED gone*',
      'SYNCED relist',
    ]);
    expect(source.connections[1]!.options.resourceVersion).toBe(String(source.resourceVersion));
    abort.abort();
  });

  it('relists on an in-stream ERROR 410 event', async () => {
    const source = new FakeSource();
    const clock = new ManualClock();
    const abort = new AbortController();
    const { events } = collect(
      watchResource(source, 'Sandbox', { clock, signal: abort.signal, resourceVersion: '5' }),
    );
    const first = await source.waitForConnections(1);
    expect(source.lists).toHaveLength(0);
    expect(first.options.resourceVersion).toBe('5');
    source.put('late');
    first.emit('ERROR', {
      kind: 'Status',
      code: 410,
      reason: 'Expired',
      message: 'too old resource version: 5 (90)',
    });
    first.close();
    await source.waitForConnections(2);
    expect(source.lists).toHaveLength(1);
    expect(summary(events)).toEqual(['ADDED late*', 'SYNCED']);
    abort.abort();
  });

  it('ends the iteration when the signal aborts, closing the connection', async () => {
    const source = new FakeSource();
    const clock = new ManualClock();
    const abort = new AbortController();
    const { done } = collect(watchResource(source, 'Sandbox', { clock, signal: abort.signal }));
    const conn = await source.waitForConnections(1);
    abort.abort();
    await expect(done).resolves.toBeUndefined();
    expect(conn.closedByClient).toBe(true);
  });

  it('ends during a backoff sleep when aborted', async () => {
    const source = new FakeSource();
    source.listErrors.push(httpError(503));
    const clock = new ManualClock();
    const abort = new AbortController();
    const { done } = collect(watchResource(source, 'Sandbox', { clock, signal: abort.signal }));
    await clock.waitForSleeps(1);
    abort.abort();
    await expect(done).resolves.toBeUndefined();
  });

  it('closes the connection when the consumer stops iterating', async () => {
    const source = new FakeSource();
    source.put('a');
    const clock = new ManualClock();
    for await (const event of watchResource(source, 'Sandbox', { clock })) {
      if (event.type === 'SYNCED') {
        await source.waitForConnections(1).catch(() => undefined);
        break;
      }
    }
    // The generator opened no watch before the consumer left (SYNCED precedes the watch).
    expect(source.connections.every((c) => c.closedByClient)).toBe(true);
  });

  it('throws typed errors that retrying cannot fix', async () => {
    const source = new FakeSource();
    source.watchErrors.push(httpError(403));
    const clock = new ManualClock();
    const { done } = collect(watchResource(source, 'Sandbox', { clock }));
    await expect(done).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('retries a failed list with backoff', async () => {
    const source = new FakeSource();
    source.put('a');
    source.listErrors.push(networkError());
    const clock = new ManualClock();
    const abort = new AbortController();
    const { events } = collect(
      watchResource(source, 'Sandbox', { clock, signal: abort.signal, backoff: noJitter }),
    );
    await clock.waitForSleeps(1);
    expect(clock.pendingDelays()).toEqual([100]);
    await clock.advance(100);
    await source.waitForConnections(1);
    expect(summary(events)).toEqual(['ADDED a*', 'SYNCED']);
    abort.abort();
  });

  it('reconnects when the stream goes silent longer than the watchdog allows', async () => {
    const source = new FakeSource();
    const clock = new ManualClock();
    const abort = new AbortController();
    collect(
      watchResource(source, 'Sandbox', {
        clock,
        signal: abort.signal,
        watchdogMs: 1000,
        backoff: noJitter,
      }),
    );
    const first = await source.waitForConnections(1);
    await clock.waitForSleeps(1);
    await clock.advance(600);
    first.emit('BOOKMARK', { metadata: { resourceVersion: '300' } });
    await clock.advance(600); // 600 ms since the bookmark: still alive
    expect(source.connections).toHaveLength(1);
    await clock.advance(500); // 1100 ms of silence: stalled
    await clock.advance(100); // backoff
    const second = await source.waitForConnections(2);
    expect(first.closedByClient).toBe(true);
    expect(second.options.resourceVersion).toBe('300');
    abort.abort();
  });
});

describe('watchResource abort while the consumer holds an event', () => {
  it('opens no watch after an abort that happened while suspended at SYNCED', async () => {
    const source = new FakeSource();
    const abort = new AbortController();
    const iterator = watchResource(source, 'Sandbox', {
      clock: new ManualClock(),
      signal: abort.signal,
    })[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toMatchObject({ type: 'SYNCED' });
    abort.abort();
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
    expect(source.connections).toHaveLength(0);
  });
});
