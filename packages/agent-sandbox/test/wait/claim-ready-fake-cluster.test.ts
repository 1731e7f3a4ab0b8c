import { startFakeCluster, type FakeCluster } from '@corral/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ClaimFailedError,
  WaitTimeoutError,
  buildSandboxClaim,
  buildSandboxTemplate,
  buildSandboxWarmPool,
  createAgentSandboxClient,
  waitForClaimReady,
  waitForDeleted,
  type AgentSandboxClient,
} from '../../src/index.js';

describe('waiters against the fake cluster and its simulated controller', () => {
  let cluster: FakeCluster;
  let client: AgentSandboxClient;

  beforeAll(async () => {
    cluster = await startFakeCluster();
    client = createAgentSandboxClient({ kubeConfig: cluster.kubeConfig });
    await client.templates.create(
      buildSandboxTemplate({ name: 'py', image: 'python:3.12', service: true }),
    );
    await client.warmPools.create(
      buildSandboxWarmPool({ name: 'py-pool', template: 'py', replicas: 2 }),
    );
  });
  afterAll(async () => {
    await client.warmPools.delete('py-pool').catch(() => undefined);
    await client.templates.delete('py').catch(() => undefined);
    client.close();
    await cluster.stop();
  });

  it('waits for a warm claim and returns the adopted Sandbox, its IPs and service FQDN', async () => {
    const claim = await client.claims.create(
      buildSandboxClaim({ generateName: 'warm-', warmPool: 'py-pool' }),
    );
    const ready = await waitForClaimReady(client, claim.metadata.name, { timeoutMs: 20_000 });
    expect(ready.sandboxName).toMatch(/^py-pool-/);
    expect(ready.podIPs.length).toBeGreaterThan(0);
    expect(ready.serviceFQDN).toBe(`${ready.sandboxName}.default.svc.cluster.local`);
    expect(client.informerCount).toBe(0);
    await client.claims.delete(claim.metadata.name);
    await waitForDeleted(client, 'Sandbox', ready.sandboxName, { timeoutMs: 20_000 });
  });

  it('shares one claim watch among many concurrent waiters', async () => {
    const before = cluster.requests.watches({ resource: 'sandboxclaims' }).length;
    const claimCache = client.informer('SandboxClaim');
    await claimCache.synced();
    const claims = await Promise.all(
      Array.from({ length: 10 }, () =>
        client.claims.create(buildSandboxClaim({ generateName: 'many-', warmPool: 'py-pool' })),
      ),
    );
    const readies = await Promise.all(
      claims.map((c) =>
        waitForClaimReady(client, c.metadata.name, { timeoutMs: 20_000, includeSandbox: false }),
      ),
    );
    expect(new Set(readies.map((r) => r.sandboxName)).size).toBe(10);
    await waitUntil(() => cluster.requests.watches({ resource: 'sandboxclaims' }).length > before);
    expect(cluster.requests.watches({ resource: 'sandboxclaims' }).length - before).toBe(1);
    claimCache.release();
    for (const c of claims) await client.claims.delete(c.metadata.name);
    for (const r of readies)
      await waitForDeleted(client, 'Sandbox', r.sandboxName, { timeoutMs: 20_000 });
  });

  it('times out naming WarmPoolNotFound, and fails fast on a terminal reason', async () => {
    const lost = await client.claims.create(
      buildSandboxClaim({ name: 'lost', warmPool: 'no-such-pool' }),
    );
    const error = await waitForClaimReady(client, lost.metadata.name, { timeoutMs: 300 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect((error as Error).message).toContain('WarmPoolNotFound');
    await client.claims.delete('lost');

    const bad = await client.claims.create(
      buildSandboxClaim({
        name: 'bad-labels',
        warmPool: 'py-pool',
        additionalPodMetadata: { labels: { 'evil.example.com/x': 'y' } },
      }),
    );
    const failed = await waitForClaimReady(client, bad.metadata.name, { timeoutMs: 20_000 }).catch(
      (e: unknown) => e,
    );
    expect(failed).toBeInstanceOf(ClaimFailedError);
    expect((failed as ClaimFailedError).reason).toBe('InvalidMetadata');
    await client.claims.delete('bad-labels');
    await waitForDeleted(client, 'SandboxClaim', 'bad-labels', { timeoutMs: 20_000 });
  });
});

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++)
    await new Promise((resolve) => setTimeout(resolve, 5));
}
