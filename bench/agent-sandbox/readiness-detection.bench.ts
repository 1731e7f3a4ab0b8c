/**
 * (a) Readiness detection: from the store write of a claim's `Ready=True` (by the simulated
 * controller) to the moment the caller learns of it. Corral's `waitForClaimReady` (shared
 * informer, watch-driven; 4 claims in flight) against the seeds' approach: GET the claim every
 * 2 s (50 claims in flight). The fake cluster runs in a child process; the write time comes from
 * its store and is compared on the shared monotonic clock.
 */
import {
  buildSandboxClaim,
  buildSandboxTemplate,
  buildSandboxWarmPool,
  createAgentSandboxClient,
  isReady,
  waitForClaimReady,
  type AgentSandboxClient,
  type HasConditions,
} from '../../packages/agent-sandbox/src/index.js';
import { nowMs, percentile, type Benchmark, type BenchRow } from '../lib.js';
import { startClusterChild } from './cluster-child.js';
import { sleepMs } from './support.js';

const POLL_INTERVAL_MS = 2_000;

async function pollUntilReady(client: AgentSandboxClient, name: string): Promise<void> {
  for (;;) {
    const claim = await client.claims.get(name);
    // (HasConditions predates exactOptionalPropertyTypes-friendly schema types; hence the cast.)
    if (isReady(claim as HasConditions)) return;
    await sleepMs(POLL_INTERVAL_MS);
  }
}

async function measure(
  client: AgentSandboxClient,
  readyAt: Map<string, number>,
  count: number,
  concurrency: number,
  wait: (name: string) => Promise<void>,
): Promise<number[]> {
  const latencies: number[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      next++;
      const claim = await client.claims.create(
        buildSandboxClaim({ generateName: 'bench-', warmPool: 'bench-pool' }),
      );
      const name = claim.metadata.name;
      await wait(name);
      const detected = nowMs();
      // The child reports the write over IPC; give that message a moment if it is behind.
      for (let i = 0; i < 100 && !readyAt.has(name); i++) await sleepMs(1);
      const written = readyAt.get(name);
      if (written === undefined) throw new Error(`no Ready write recorded for ${name}`);
      latencies.push(detected - written);
      await client.claims.delete(name);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return latencies;
}

const bench: Benchmark = {
  title: 'agent-sandbox: claim readiness detection (fake cluster)',
  async run({ quick }) {
    const count = quick ? 40 : 200;
    // The fake cluster runs in a child process, as a real API server would.
    // 20 ms per reconcile puts Ready a few hundred ms after create, like a fast warm adoption.
    const cluster = await startClusterChild({ controller: true, reconcileDelayMs: 20 });
    const client = createAgentSandboxClient({ kubeConfig: cluster.kubeConfig });
    const readyAt = cluster.readyAt;
    try {
      await client.templates.create(buildSandboxTemplate({ name: 'bench', image: 'python:3.12' }));
      await client.warmPools.create(
        buildSandboxWarmPool({ name: 'bench-pool', template: 'bench', replicas: 8 }),
      );
      // A long-lived caller keeps the shared caches; hold them for the whole run.
      const claims = client.informer('SandboxClaim');
      const sandboxes = client.informer('Sandbox');
      await Promise.all([claims.synced(), sandboxes.synced()]);

      const watchLatencies = await measure(client, readyAt, count, 4, async (name) => {
        await waitForClaimReady(client, name, { timeoutMs: 60_000 });
      });
      const pollLatencies = await measure(client, readyAt, count, Math.min(count, 50), (name) =>
        pollUntilReady(client, name),
      );
      claims.release();
      sandboxes.release();

      const p50 = percentile(watchLatencies, 50);
      const p99 = percentile(watchLatencies, 99);
      const rows: BenchRow[] = [
        {
          name: `waitForClaimReady p50 (${count} claims)`,
          value: p50,
          unit: 'ms',
          baseline: { label: '2 s polling loop', value: percentile(pollLatencies, 50) },
          goal: { text: '< 5 ms', met: p50 < 5 },
        },
        {
          name: `waitForClaimReady p99 (${count} claims)`,
          value: p99,
          unit: 'ms',
          baseline: { label: '2 s polling loop', value: percentile(pollLatencies, 99) },
          goal: { text: '< 20 ms', met: p99 < 20 },
        },
      ];
      return rows;
    } finally {
      await client.warmPools.delete('bench-pool').catch(() => undefined);
      await client.templates.delete('bench').catch(() => undefined);
      client.close();
      await cluster.stop();
    }
  },
};

export default bench;
