/* eslint-disable @typescript-eslint/no-explicit-any -- pool status is untyped JSON */
/**
 * A warm pool of one really running runner: the claim adopts the idle pod (launch type `warm`),
 * its runner answers at once, and the pool starts a replacement. Two runner pods in all.
 */
import { Sandbox } from '@corral/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  E2E_MODES,
  GROUP,
  CLUSTER_LABEL,
  VERSION,
  startE2eCluster,
  type E2eCluster,
} from './e2e-cluster.js';

let cluster: E2eCluster;
beforeAll(async () => {
  cluster = await startE2eCluster();
});
afterAll(async () => {
  await cluster?.stop();
});

const POOLS = { plural: 'sandboxwarmpools', group: GROUP };
const SANDBOXES = { plural: 'sandboxes', group: 'agents.x-k8s.io' };

function ownedByPool(sandbox: any, pool: string): boolean {
  return ((sandbox.metadata.ownerReferences ?? []) as any[]).some(
    (o: any) => o.kind === 'SandboxWarmPool' && o.name === pool && o.controller === true,
  );
}

function ready(object: any): boolean {
  return ((object.status?.conditions ?? []) as any[]).some(
    (c: any) => c.type === 'Ready' && c.status === 'True',
  );
}

describe(`a warm pool with one idle runner (${CLUSTER_LABEL})`, () => {
  it('adopts the warm pod, answers at once, and the pool refills', async () => {
    const name = `${cluster.serveTemplate}-warm`;
    await cluster.createCustom('sandboxwarmpools', {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: 'SandboxWarmPool',
      metadata: { name, namespace: cluster.namespace },
      spec: { replicas: 1, sandboxTemplateRef: { name: cluster.serveTemplate } },
    });
    const idle = await cluster.until(SANDBOXES, (sb) => ownedByPool(sb, name) && ready(sb));
    await cluster.until(POOLS, (p) => p.status?.readyReplicas === 1, {
      fieldSelector: `metadata.name=${name}`,
    });

    const provider = cluster.provider({ warmPool: name, connection: { mode: E2E_MODES[0]! } });
    const sandbox = await Sandbox.create({ provider });
    try {
      expect(sandbox.cachedInfo.metadata.launchType).toBe('warm');
      expect((await sandbox.commands.run(['echo', 'warm'])).stdout).toBe('warm\n');
      // The adopted Sandbox left the pool; a new idle one takes its place.
      expect(sandbox.cachedInfo.metadata.sandboxName).toBe(idle.metadata.name);
      const refill = await cluster.until(
        SANDBOXES,
        (sb, type) => type !== 'DELETED' && ownedByPool(sb, name) && ready(sb),
      );
      expect(refill.metadata.name).not.toBe(idle.metadata.name);
    } finally {
      await sandbox.kill();
      await cluster.deleteCustom('sandboxwarmpools', name);
    }
    expect(await cluster.claimNames()).toEqual([]);
  });
});
