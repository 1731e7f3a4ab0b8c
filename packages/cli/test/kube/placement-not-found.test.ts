/**
 * Issue 13 item 2: a wrong namespace or pool fails at once, naming what exists and the flag that
 * fixes it, instead of waiting for the claim's timeout and suggesting a longer --timeout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NAMESPACE, installPool, startTestCluster } from './helpers/cluster.js';
import type { TestCluster } from './helpers/cluster.js';

const CLAIMS = {
  group: 'extensions.agents.x-k8s.io',
  version: 'v1beta1',
  resource: 'sandboxclaims',
};

describe('a warm pool that is not in the namespace', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster();
    await installPool(cluster, 'corral-runner', 0);
  });
  afterAll(async () => {
    for (const namespace of [NAMESPACE, 'default']) {
      expect(cluster.fake.store.list(CLAIMS, { namespace }).items).toEqual([]);
    }
    await cluster.stop();
  });

  it('corral run in the wrong namespace exits 3 at once and says to pass -n', async () => {
    const run = await cluster.run([
      'run',
      '--provider',
      'kubernetes',
      '-n',
      'default',
      '--warm-pool',
      'corral-runner',
      '--',
      'true',
    ]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(
      `warm pool corral-runner not found in namespace default; pools here: (none); in other namespaces: ${NAMESPACE}/corral-runner.`,
    );
    expect(run.stderr).toContain(`pass -n/--namespace ${NAMESPACE} (it is there).`);
    expect(run.stderr).not.toMatch(/--timeout|bug in Corral/);
  });

  it('a mistyped pool in the right namespace lists the pools there', async () => {
    const run = await cluster.call([
      'sandbox',
      'create',
      '--provider',
      'kubernetes',
      '--warm-pool',
      'corral-runer',
      '--json',
    ]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(
      `warm pool corral-runer not found in namespace ${NAMESPACE}; pools here: corral-runner.`,
    );
    expect(run.stderr).toContain('--warm-pool naming one that exists');
    expect(JSON.parse(run.stdout)).toMatchObject({
      ok: false,
      exitCode: 3,
      error: { code: 'WARM_POOL_NOT_FOUND' },
    });
  });
});
