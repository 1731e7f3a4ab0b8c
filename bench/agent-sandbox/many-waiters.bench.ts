/**
 * (b) 1,000 claims waited on at once through one shared cache: how many watch connections the
 * API server sees, how much the client's heap grows, and how long after each claim's `Ready=True`
 * write its waiter resolves. The fake cluster runs in a child process without its controller;
 * the child writes the Ready statuses itself, paced like a busy controller.
 */
import {
  createAgentSandboxClient,
  waitForClaimReady,
} from '../../packages/agent-sandbox/src/index.js';
import { nowMs, percentile, type Benchmark } from '../lib.js';
import { startClusterChild } from './cluster-child.js';
import { settledHeapMb, sleepMs } from './support.js';

const bench: Benchmark = {
  title: 'agent-sandbox: many claims waited on through one cache',
  async run({ quick }) {
    const count = quick ? 200 : 1000;
    const cluster = await startClusterChild({ controller: false });
    const client = createAgentSandboxClient({
      kubeConfig: cluster.kubeConfig,
      apiVersion: 'v1beta1',
    });
    const names = Array.from({ length: count }, (_, i) => `many-${i}`);
    try {
      for (let i = 0; i < count; i += 50) {
        await Promise.all(
          names
            .slice(i, i + 50)
            .map((name) =>
              client.claims.create({ metadata: { name }, spec: { warmPoolRef: { name: 'pool' } } }),
            ),
        );
      }
      const heapBefore = settledHeapMb();
      // Hold a reference so the cache outlives the last waiter and its size can be measured.
      const cache = client.informer('SandboxClaim');
      const resolvedAt = new Map<string, number>();
      const waits = names.map((name) =>
        waitForClaimReady(client, name, { timeoutMs: 120_000, includeSandbox: false }).then(() => {
          resolvedAt.set(name, nowMs());
        }),
      );
      // Let the shared informer list and open its watch before the writes start.
      await cache.synced();
      await sleepMs(200);
      const heapWaiting = settledHeapMb();
      await cluster.markReady(names, 10);
      await Promise.all(waits);
      // Ready-write messages may trail the watch events over IPC.
      for (let i = 0; i < 200 && cluster.readyAt.size < count; i++) await sleepMs(5);
      const heapPeak = Math.max(heapWaiting, settledHeapMb());
      cache.release();
      const latencies = names.map((n) => resolvedAt.get(n)! - cluster.readyAt.get(n)!);
      const watches = await cluster.watches('sandboxclaims');
      const max = Math.max(...latencies);
      return [
        {
          name: `watch connections for ${count} waiters`,
          value: watches,
          unit: 'count',
          baseline: { label: 'one watch per waiter', value: count },
          goal: { text: '= 1', met: watches === 1 },
        },
        {
          name: `client heap growth with ${count} waiters`,
          value: heapPeak - heapBefore,
          unit: 'MB',
          goal: { text: '< 20 MB', met: heapPeak - heapBefore < 20 },
        },
        {
          name: 'Ready write → waiter resolved, p50',
          value: percentile(latencies, 50),
          unit: 'ms',
        },
        {
          name: 'Ready write → waiter resolved, p99',
          value: percentile(latencies, 99),
          unit: 'ms',
        },
        {
          name: 'Ready write → waiter resolved, max',
          value: max,
          unit: 'ms',
          goal: { text: '< 50 ms', met: max < 50 },
        },
      ];
    } finally {
      for (let i = 0; i < count; i += 50) {
        await Promise.all(
          names.slice(i, i + 50).map((name) => client.claims.delete(name).catch(() => undefined)),
        );
      }
      client.close();
      await cluster.stop();
    }
  },
};

export default bench;
