/* eslint-disable @typescript-eslint/no-explicit-any -- tests read untyped status JSON */
import { CustomObjectsApi, Watch } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeCluster, type FakeCluster } from '../../src/cluster.js';
import { claim, pool, template } from './harness.js';

let cluster: FakeCluster;

afterEach(async () => {
  await cluster.stop();
});

const GROUP = 'extensions.agents.x-k8s.io';

describe('end to end through client-node', () => {
  it('a claim created with CustomObjectsApi becomes Ready, seen through a watch', async () => {
    cluster = await startFakeCluster({ kubelet: { startDelayMs: 1 } });
    const api = cluster.kubeConfig.makeApiClient(CustomObjectsApi);
    const create = (plural: string, body: object) =>
      api.createNamespacedCustomObject({
        group: GROUP,
        version: 'v1beta1',
        namespace: 'default',
        plural,
        body,
      });
    await create('sandboxtemplates', template('tpl'));
    await create('sandboxwarmpools', pool('wp', 'tpl', 1));
    const created: any = await create('sandboxclaims', claim('e2e', 'wp'));

    const ready = await new Promise<any>((resolve, reject) => {
      void new Watch(cluster.kubeConfig)
        .watch(
          `/apis/${GROUP}/v1beta1/namespaces/default/sandboxclaims`,
          { fieldSelector: 'metadata.name=e2e', resourceVersion: created.metadata.resourceVersion },
          (_type, obj: any) => {
            const cond = obj.status?.conditions?.find((c: any) => c.type === 'Ready');
            if (cond?.status === 'True' && obj.status?.sandbox?.name) resolve(obj);
          },
          (err) => (err ? reject(err as Error) : undefined),
        )
        .then((req) => setTimeout(() => req.abort(), 10_000));
    });
    expect(ready.status.sandbox.podIPs[0]).toMatch(/^127\.244\./);
    await api.deleteNamespacedCustomObject({
      group: GROUP,
      version: 'v1beta1',
      namespace: 'default',
      plural: 'sandboxclaims',
      name: 'e2e',
    });
  });
});
