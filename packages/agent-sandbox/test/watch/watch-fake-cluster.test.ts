import { startFakeCluster, type FakeCluster } from '@corral/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildSandboxTemplate,
  createAgentSandboxClient,
  watchResource,
  type AgentSandboxClient,
  type KubeObject,
  type WatchEvent,
} from '../../src/index.js';

/** Reads events until `until` returns true for one of them. */
async function readUntil(
  iterator: AsyncIterator<WatchEvent<KubeObject>>,
  until: (e: WatchEvent<KubeObject>) => boolean,
  seen: WatchEvent<KubeObject>[] = [],
): Promise<WatchEvent<KubeObject>[]> {
  for (;;) {
    const next = await iterator.next();
    if (next.done === true) return seen;
    seen.push(next.value);
    if (until(next.value)) return seen;
  }
}

const named = (type: string, name: string) => (e: WatchEvent<KubeObject>) =>
  e.type === type && e.type !== 'SYNCED' && e.object.metadata?.name === name;

describe('watchResource through client-node against the fake cluster', () => {
  let cluster: FakeCluster;
  let client: AgentSandboxClient;

  beforeAll(async () => {
    cluster = await startFakeCluster({ controller: false, kubelet: false });
    client = createAgentSandboxClient({
      kubeConfig: cluster.kubeConfig,
      watch: { backoff: { initialMs: 5, maxMs: 20 } },
    });
  });
  afterAll(async () => {
    client.close();
    await cluster.stop();
  });

  it('survives clean closes, dropped sockets, and both forms of 410 without missing a change', async () => {
    const abort = new AbortController();
    const iterator = watchResource(client, 'SandboxTemplate', { signal: abort.signal })[
      Symbol.asyncIterator
    ]();
    await readUntil(iterator, (e) => e.type === 'SYNCED');
    const watches = () => cluster.requests.watches({ resource: 'sandboxtemplates' }).length;

    await client.templates.create(buildSandboxTemplate({ name: 'w1', image: 'busybox' }));
    await readUntil(iterator, named('ADDED', 'w1'));

    cluster.faults.interruptWatches({ resource: 'sandboxtemplates' }, 'close');
    await client.templates.create(buildSandboxTemplate({ name: 'w2', image: 'busybox' }));
    await readUntil(iterator, named('ADDED', 'w2'));

    cluster.faults.interruptWatches({ resource: 'sandboxtemplates' }, 'drop');
    await client.templates.patch('w1', { metadata: { labels: { v: '2' } } });
    await readUntil(iterator, named('MODIFIED', 'w1'));

    cluster.faults.expireWatch({ resource: 'sandboxtemplates' }, { mode: 'http' });
    cluster.faults.interruptWatches({ resource: 'sandboxtemplates' }, 'close');
    await client.templates.delete('w2');
    const relisted = await readUntil(iterator, (e) => e.type === 'SYNCED');
    expect(relisted.some(named('DELETED', 'w2'))).toBe(true);

    cluster.faults.expireWatch({ resource: 'sandboxtemplates' }, { mode: 'in-stream' });
    cluster.faults.interruptWatches({ resource: 'sandboxtemplates' }, 'close');
    await client.templates.create(buildSandboxTemplate({ name: 'w3', image: 'busybox' }));
    const afterInStream = await readUntil(iterator, (e) => e.type === 'SYNCED' && e.relist);
    // w3 arrives either in the relist (synthetic) or on the new watch.
    if (!afterInStream.some(named('ADDED', 'w3'))) await readUntil(iterator, named('ADDED', 'w3'));

    expect(watches()).toBeGreaterThanOrEqual(5);
    abort.abort();
    await iterator.next();
    await client.templates.delete('w1');
    await client.templates.delete('w3');
    expect((await client.templates.list()).items).toEqual([]);
    // Every watch this test opened is closed again.
    await new Promise((resolve) => setTimeout(resolve, 50));
    // (Only streams that were answered 200 count: the fake logs an HTTP 410 answer as still open.)
    const open = cluster.requests.watches({
      resource: 'sandboxtemplates',
      open: true,
      status: 200,
    });
    expect(open).toEqual([]);
  });
});
