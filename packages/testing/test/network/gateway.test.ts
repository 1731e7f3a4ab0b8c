/**
 * The fake serves `gateway.networking.k8s.io/v1` Gateways: discovery, CRUD and watch through
 * client-node, an address in `status.addresses` from the simulated Gateway controller, a
 * sandbox-router on each listener port there, closed when the cluster stops.
 */
import { CustomObjectsApi, Watch } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeCluster, type FakeCluster } from '../../src/cluster.js';

let cluster: FakeCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

const REF = {
  group: 'gateway.networking.k8s.io',
  version: 'v1',
  namespace: 'default',
  plural: 'gateways',
};

interface GatewayStatus {
  addresses?: { type: string; value: string }[];
  conditions?: { type: string; status: string }[];
}

/** The Gateway's status once it has an address, seen through a watch (no polling). */
function addressed(c: FakeCluster, name: string): Promise<GatewayStatus> {
  return new Promise((resolve, reject) => {
    let stop: (() => void) | undefined;
    void new Watch(c.kubeConfig)
      .watch(
        '/apis/gateway.networking.k8s.io/v1/namespaces/default/gateways',
        { fieldSelector: `metadata.name=${name}` },
        (_type, object: { status?: GatewayStatus }) => {
          if ((object.status?.addresses?.length ?? 0) > 0) {
            stop?.();
            resolve(object.status!);
          }
        },
        (err) => {
          if (err !== null && err !== undefined && (err as Error).name !== 'AbortError')
            reject(err as Error);
        },
      )
      .then((req) => (stop = () => req.abort()), reject);
  });
}

describe('Gateway API in the fake', () => {
  it('is discoverable, gets an address with a router on its listener; stop() closes the router', async () => {
    cluster = await startFakeCluster({ kubelet: false });
    const discovery = await fetch(`${cluster.url}/apis/gateway.networking.k8s.io/v1`);
    const resources = ((await discovery.json()) as { resources: { name: string }[] }).resources;
    expect(resources.map((r) => r.name)).toContain('gateways');

    const api = cluster.kubeConfig.makeApiClient(CustomObjectsApi);
    const seen = addressed(cluster, 'gw');
    await api.createNamespacedCustomObject({
      ...REF,
      body: {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'Gateway',
        metadata: { name: 'gw', namespace: 'default' },
        spec: {
          gatewayClassName: 'any',
          listeners: [{ name: 'http', protocol: 'HTTP', port: 8080 }],
        },
      },
    });
    const status = await seen;
    expect(status.conditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'Accepted', status: 'True' }),
        expect.objectContaining({ type: 'Programmed', status: 'True' }),
      ]),
    );
    const ip = status.addresses![0]!.value;
    expect(ip).toMatch(/^127\.0\.25\d\.\d+$/);
    const base = `http://${ip}:8080`;
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
    const unknown = await fetch(`${base}/run`, {
      headers: { 'X-Sandbox-ID': 'nobody', 'X-Sandbox-Namespace': 'default' },
    });
    expect(unknown.status).toBe(502);
    expect(await unknown.json()).toEqual({
      detail: 'Could not connect to the backend sandbox: nobody',
    });
    const bad = await fetch(`${base}/run`, { headers: { 'X-Sandbox-ID': 'Not_A_Name' } });
    expect(bad.status).toBe(400);

    const listed = (await api.listNamespacedCustomObject(REF)) as { items: unknown[] };
    expect(listed.items).toHaveLength(1);
    await api.deleteNamespacedCustomObject({ ...REF, name: 'gw' });
    expect(((await api.listNamespacedCustomObject(REF)) as { items: unknown[] }).items).toEqual([]);
    await cluster.stop();
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  }, 60_000);
});
