/* eslint-disable @typescript-eslint/no-explicit-any -- tests read untyped custom objects */
/**
 * Connection paths under NetworkPolicy, on the fake cluster with real runner pods and policy
 * enforcement on (decision 0036). The fake's client is an in-cluster orchestrator pod (the one
 * deploy's template admits): the direct path works for deploy's template, and a template with
 * upstream's default policy (router-only ingress) refuses it, so `auto` falls back to the
 * router when one is configured, else port-forward, and explicit `direct` fails naming the policy. The Gateway mode runs end to end
 * through the fake's Gateway controller and its simulated sandbox-router, which that default
 * policy admits. Fake only: on a real cluster these depend on its CNI and Gateway install.
 */
import { Sandbox } from '@corral/sdk';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NetworkSource } from '../../src/kubernetes/index.js';
import { GROUP, REAL_CLUSTER, VERSION, startE2eCluster, type E2eCluster } from './e2e-cluster.js';

const ORCHESTRATOR: NetworkSource = {
  namespace: 'corral-e2e',
  podLabels: { 'app.kubernetes.io/name': 'corral-orchestrator' },
};
const IN_CLUSTER = { KUBERNETES_SERVICE_HOST: '10.96.0.1' };
const GATEWAYS = { group: 'gateway.networking.k8s.io', version: 'v1', resource: 'gateways' };

/** Creates a Gateway with one listener and resolves with the address its controller gave it. */
async function gatewayAddress(
  cluster: E2eCluster,
  name: string,
  port: number,
): Promise<{ address: string; remove(): void }> {
  const store = cluster.fake!.store;
  const ns = cluster.namespace;
  const address = new Promise<string>((resolve) => {
    const handle: { stop?: () => void } = {};
    let found: string | undefined;
    handle.stop = store.watch(
      GATEWAYS,
      { namespace: ns, fieldSelector: `metadata.name=${name}` },
      (e) => {
        const value = (e.object.status as { addresses?: { value: string }[] } | undefined)
          ?.addresses?.[0]?.value;
        if (found === undefined && value !== undefined) {
          found = value;
          handle.stop?.();
          resolve(value);
        }
      },
    );
    if (found !== undefined) handle.stop();
  });
  store.create(GATEWAYS, {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name, namespace: ns },
    spec: { gatewayClassName: 'fake', listeners: [{ name: 'http', protocol: 'HTTP', port }] },
  });
  return { address: await address, remove: () => void store.delete(GATEWAYS, ns, name) };
}

// the fake's NetworkPolicy enforcement and Gateway controller are what this file tests
describe.skipIf(REAL_CLUSTER)('connection paths under NetworkPolicy (fake cluster)', () => {
  let cluster: E2eCluster;
  /** A serve-mode pool whose template has upstream's default policy: only the router gets in. */
  let routerOnlyPool: string;

  beforeAll(async () => {
    cluster = await startE2eCluster({
      fake: { networkPolicy: { enforce: true, client: ORCHESTRATOR } },
    });
    const custom = cluster.kubeConfig.makeApiClient(CustomObjectsApi);
    const base: any = await custom.getNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: cluster.namespace,
      plural: 'sandboxtemplates',
      name: cluster.serveTemplate,
    });
    routerOnlyPool = `${cluster.serveTemplate}-ro`;
    const spec = structuredClone(base.spec);
    delete spec.networkPolicy;
    await cluster.createCustom('sandboxtemplates', {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: 'SandboxTemplate',
      metadata: { name: routerOnlyPool, namespace: cluster.namespace },
      spec,
    });
    await cluster.createCustom('sandboxwarmpools', {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: 'SandboxWarmPool',
      metadata: { name: routerOnlyPool, namespace: cluster.namespace },
      spec: { replicas: 0, sandboxTemplateRef: { name: routerOnlyPool } },
    });
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  }, 120_000);

  const portForwards = () =>
    cluster.fake!.requests.count({ resource: 'pods', path: /\/portforward$/ });

  it('auto dials the pod IP when the policy admits Corral (deploy template)', async () => {
    const provider = cluster.provider({
      env: IN_CLUSTER,
      connection: { networkSource: ORCHESTRATOR },
    });
    expect(provider.connectionMode).toBe('direct');
    const before = portForwards();
    const sandbox = await Sandbox.create({ provider });
    try {
      expect(await sandbox.commands.run(['echo', 'direct'])).toMatchObject({
        exitCode: 0,
        stdout: 'direct\n',
      });
      expect(portForwards()).toBe(before);
    } finally {
      await sandbox.kill();
    }
  }, 120_000);

  it('the fake refuses the pod IP that the default policy blocks', async () => {
    // explicit direct mode without a networkSource: no pre-check, so the fake's refusal shows
    // (the facade's first health call fails, and the claim is rolled back)
    const provider = cluster.provider({ warmPool: routerOnlyPool, connection: { mode: 'direct' } });
    const error = await Sandbox.create({ provider }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'CONNECTION_FAILED' });
    expect((error as Error).message).toMatch(/ECONNRESET/);
    expect(await cluster.claimNames()).toEqual([]);
  }, 120_000);

  it('auto falls back to port-forward when the policy blocks the pod IP', async () => {
    const provider = cluster.provider({
      warmPool: routerOnlyPool,
      env: IN_CLUSTER,
      connection: { networkSource: ORCHESTRATOR },
    });
    expect(provider.connectionMode).toBe('direct');
    const before = portForwards();
    const sandbox = await Sandbox.create({ provider });
    try {
      expect(await sandbox.commands.run(['echo', 'tunnelled'])).toMatchObject({
        exitCode: 0,
        stdout: 'tunnelled\n',
      });
      expect(portForwards()).toBeGreaterThan(before);
    } finally {
      await sandbox.kill();
    }
  }, 120_000);

  it('auto takes the router when the policy blocks the pod IP but admits the router', async () => {
    const router = await gatewayAddress(cluster, 'router-gw', 8081);
    try {
      const provider = cluster.provider({
        warmPool: routerOnlyPool,
        env: IN_CLUSTER,
        connection: { networkSource: ORCHESTRATOR, routerUrl: `http://${router.address}:8081` },
      });
      expect(provider.connectionMode).toBe('direct');
      const before = portForwards();
      const sandbox = await Sandbox.create({ provider });
      try {
        expect(await sandbox.commands.run(['echo', 'routed'])).toMatchObject({
          exitCode: 0,
          stdout: 'routed\n',
        });
        expect(portForwards()).toBe(before);
      } finally {
        await sandbox.kill();
      }
    } finally {
      router.remove();
    }
  }, 120_000);

  it('explicit direct mode fails at create, naming the policy that blocks it', async () => {
    const provider = cluster.provider({
      warmPool: routerOnlyPool,
      connection: { mode: 'direct', networkSource: ORCHESTRATOR },
    });
    const error = await Sandbox.create({ provider }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'CONNECTION_FAILED', retryable: false });
    expect((error as Error).message).toContain(
      `NetworkPolicy ${cluster.namespace}/${routerOnlyPool}-network-policy admits no ingress on port 8888 from ` +
        'a pod labelled app.kubernetes.io/name=corral-orchestrator in namespace corral-e2e',
    );
    // the half-made claim was rolled back
    expect(await cluster.claimNames()).toEqual([]);
  }, 120_000);

  it('gateway mode end to end: Gateway → address in status → router → runner', async () => {
    const custom = cluster.kubeConfig.makeApiClient(CustomObjectsApi);
    const gateway = {
      group: 'gateway.networking.k8s.io',
      version: 'v1',
      namespace: cluster.namespace,
      plural: 'gateways',
    };
    await custom.createNamespacedCustomObject({
      ...gateway,
      body: {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'Gateway',
        metadata: { name: 'sandbox-gateway', namespace: cluster.namespace },
        spec: {
          gatewayClassName: 'fake',
          listeners: [{ name: 'http', protocol: 'HTTP', port: 8080 }],
        },
      },
    });
    try {
      const provider = cluster.provider({
        warmPool: routerOnlyPool,
        connection: { mode: 'gateway', gatewayName: 'sandbox-gateway', gatewayPort: 8080 },
      });
      const sandbox = await Sandbox.create({ provider });
      try {
        expect(await sandbox.commands.run(['echo', 'via gateway'])).toMatchObject({
          exitCode: 0,
          stdout: 'via gateway\n',
        });
      } finally {
        await sandbox.kill();
      }
      const programmed: any = await custom.getNamespacedCustomObject({
        ...gateway,
        name: 'sandbox-gateway',
      });
      expect(programmed.status.addresses).toEqual([
        { type: 'IPAddress', value: expect.stringMatching(/^127\./) },
      ]);
      expect(programmed.status.conditions).toContainEqual(
        expect.objectContaining({ type: 'Programmed', status: 'True' }),
      );
      const address = programmed.status.addresses[0].value as string;
      const health = await fetch(`http://${address}:8080/healthz`);
      expect(await health.json()).toEqual({ status: 'ok' });
      const noId = await fetch(`http://${address}:8080/x`);
      expect(noId.status).toBe(400);
      expect(await noId.json()).toEqual({ detail: 'X-Sandbox-ID header is required.' });
    } finally {
      await custom.deleteNamespacedCustomObject({ ...gateway, name: 'sandbox-gateway' });
    }
    expect(await cluster.claimNames()).toEqual([]);
  }, 120_000);
});
