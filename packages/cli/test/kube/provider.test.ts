import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NAMESPACE, installPool, startTestCluster } from './helpers/cluster.js';
import type { TestCluster } from './helpers/cluster.js';

const CLAIMS = {
  group: 'extensions.agents.x-k8s.io',
  version: 'v1beta1',
  resource: 'sandboxclaims',
};

describe('--provider kubernetes on the sandbox commands', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster();
    await installPool(cluster, 'corral-runner', 1);
  });
  afterAll(async () => {
    expect(cluster.fake.store.list(CLAIMS, { namespace: NAMESPACE }).items).toEqual([]);
    await cluster.stop();
  });

  it('lists claims as sandboxes and removes them (not found after, idempotent with --ignore-not-found)', async () => {
    cluster.fake.store.create(CLAIMS, {
      apiVersion: 'extensions.agents.x-k8s.io/v1beta1',
      kind: 'SandboxClaim',
      metadata: {
        name: 'claim-one',
        namespace: NAMESPACE,
        labels: { 'agents.x-k8s.io/created-by': 'corral' },
      },
      spec: { warmPoolRef: { name: 'corral-runner' } },
    });
    const listed = await cluster.call(['sandbox', 'list', '--provider', 'kubernetes', '--json']);
    expect(listed.code).toBe(0);
    const ids = (JSON.parse(listed.stdout) as { id: string }[]).map((s) => s.id);
    expect(ids).toContain('claim-one');

    const removed = await cluster.call(['sandbox', 'rm', '--provider', 'kubernetes', 'claim-one']);
    expect(removed).toMatchObject({ code: 0, stdout: 'claim-one\n' });
    // gone now: "not found" (exit 3), and idempotent with --ignore-not-found, as kubectl does
    const again = await cluster.call(['sandbox', 'rm', '--provider', 'kubernetes', 'claim-one']);
    expect(again.code).toBe(3);
    expect(again.stderr).toMatch(/not found/);
    const ignored = await cluster.call([
      'sandbox',
      'rm',
      '--provider',
      'kubernetes',
      '--ignore-not-found',
      'claim-one',
    ]);
    expect(ignored.code).toBe(0);
  });

  it('rejects Kubernetes flags without --provider kubernetes', async () => {
    const run = await cluster.call(['sandbox', 'list', '-n', NAMESPACE]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--namespace only apply to Kubernetes; add --provider kubernetes');
  });
});
