import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, CustomObjectsApi, KubeConfig, VersionApi } from '@kubernetes/client-node';
import type { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { createManualClock, POD_LOG_ANNOTATION, startFakeCluster } from '../../src/index.js';
import type { CrdObject } from '../../src/index.js';

describe('startFakeCluster', () => {
  it('serves HTTPS with a CA in the kubeconfig, checks a bearer token, and writes a kubeconfig file', async () => {
    await using cluster = await startFakeCluster({
      tls: true,
      token: 'secret',
      controller: false,
      kubelet: false,
    });
    expect(cluster.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const version = await cluster.kubeConfig.makeApiClient(VersionApi).getCode();
    expect(version.gitVersion).toBe('v1.32.0-corral-fake');
    const path = join(tmpdir(), `corral-kubeconfig-${process.pid}`);
    await cluster.writeKubeconfig(path);
    const fromFile = new KubeConfig();
    fromFile.loadFromString(await readFile(path, 'utf8'));
    await rm(path);
    expect(
      (await fromFile.makeApiClient(CoreV1Api).readNamespace({ name: 'default' })).metadata?.name,
    ).toBe('default');
    const anonymous = new KubeConfig();
    anonymous.loadFromOptions({
      clusters: [{ name: 'c', server: cluster.url, skipTLSVerify: true }],
      users: [{ name: 'u' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const err = await anonymous
      .makeApiClient(CoreV1Api)
      .listNamespace()
      .catch((e: unknown) => e);
    expect((err as ApiException<unknown>).code).toBe(401);
  });

  it('cascades deletion over HTTP: foreground keeps the owner with deletionTimestamp until dependents are gone', async () => {
    await using cluster = await startFakeCluster({ controller: false, kubelet: false });
    const custom = cluster.kubeConfig.makeApiClient(CustomObjectsApi);
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    const owner = await custom.createNamespacedCustomObject({
      group: 'agents.x-k8s.io',
      version: 'v1beta1',
      namespace: 'default',
      plural: 'sandboxes',
      body: {
        apiVersion: 'agents.x-k8s.io/v1beta1',
        kind: 'Sandbox',
        metadata: { name: 'o' },
        spec: { podTemplate: { spec: { containers: [{ name: 'c', image: 'i' }] } } },
      },
    });
    const ref = {
      apiVersion: 'agents.x-k8s.io/v1beta1',
      kind: 'Sandbox',
      name: 'o',
      uid: owner.metadata.uid,
      controller: true,
      blockOwnerDeletion: true,
    };
    await core.createNamespacedPod({
      namespace: 'default',
      body: {
        metadata: { name: 'o', ownerReferences: [ref], finalizers: ['example.com/hold'] },
        spec: { containers: [{ name: 'c', image: 'i' }] },
      },
    });
    const pending = await custom.deleteNamespacedCustomObject({
      group: 'agents.x-k8s.io',
      version: 'v1beta1',
      namespace: 'default',
      plural: 'sandboxes',
      name: 'o',
      propagationPolicy: 'Foreground',
    });
    expect(pending.metadata.deletionTimestamp).toBeDefined();
    expect(pending.metadata.finalizers).toEqual(['foregroundDeletion']);
    const pod = await core.readNamespacedPod({ name: 'o', namespace: 'default' });
    expect(pod.metadata?.deletionTimestamp).toBeDefined();
    await core.replaceNamespacedPod({
      name: 'o',
      namespace: 'default',
      body: { ...pod, metadata: { ...pod.metadata, finalizers: [] } },
    });
    const gone = await custom
      .getNamespacedCustomObject({
        group: 'agents.x-k8s.io',
        version: 'v1beta1',
        namespace: 'default',
        plural: 'sandboxes',
        name: 'o',
      })
      .catch((e: unknown) => e);
    expect((gone as ApiException<unknown>).code).toBe(404);
  });

  it('runs the simulated controller and kubelet against the store on a manual clock', async () => {
    const clock = createManualClock();
    await using cluster = await startFakeCluster({ clock });
    expect(cluster.controller).toBeDefined();
    expect(cluster.kubelet).toBeDefined();
    const custom = cluster.kubeConfig.makeApiClient(CustomObjectsApi);
    const created = await custom.createNamespacedCustomObject({
      group: 'agents.x-k8s.io',
      version: 'v1beta1',
      namespace: 'default',
      plural: 'sandboxes',
      body: {
        apiVersion: 'agents.x-k8s.io/v1beta1',
        kind: 'Sandbox',
        metadata: { name: 'run' },
        spec: { podTemplate: { spec: { containers: [{ name: 'c', image: 'i' }] } } },
      },
    });
    expect(created.metadata.creationTimestamp).toBe('2026-01-01T00:00:00Z');
    await cluster.controller!.whenIdle();
    const pod = cluster.store.get({ group: '', version: 'v1', resource: 'pods' }, 'default', 'run');
    expect(pod?.metadata.ownerReferences?.[0]?.uid).toBe(created.metadata.uid);
  });

  it('serves pod logs from the log annotation, with a Status for unknown pods', async () => {
    await using cluster = await startFakeCluster({ controller: false, kubelet: false });
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    await core.createNamespacedPod({
      namespace: 'default',
      body: {
        metadata: { name: 'l', annotations: { [POD_LOG_ANNOTATION]: 'one\ntwo\nthree\n' } },
        spec: { containers: [{ name: 'c', image: 'i' }] },
      },
    });
    cluster.store.patch(
      { group: '', version: 'v1', resource: 'pods' },
      'default',
      'l',
      { status: { phase: 'Running' } },
      'merge',
      { subresource: 'status' },
    );
    expect(await core.readNamespacedPodLog({ name: 'l', namespace: 'default', tailLines: 2 })).toBe(
      'two\nthree\n',
    );
    const missing = await core
      .readNamespacedPodLog({ name: 'nope', namespace: 'default' })
      .catch((e: unknown) => e);
    expect((missing as ApiException<unknown>).code).toBe(404);
  });

  it('loads older CRD profiles and arbitrary CRDs', async () => {
    await using old = await startFakeCluster({ crds: 'v0.1.0', controller: false, kubelet: false });
    const groups = await old.kubeConfig.makeApiClient(CustomObjectsApi).listClusterCustomObject({
      group: 'agents.x-k8s.io',
      version: 'v1alpha1',
      plural: 'sandboxes',
    });
    expect(groups.items).toEqual([]);
    const widget: CrdObject = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        names: { kind: 'Widget', plural: 'widgets' },
        scope: 'Cluster',
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  spec: { type: 'object', properties: { size: { type: 'integer', default: 3 } } },
                },
              },
            },
          },
        ],
      },
    };
    await using custom = await startFakeCluster({
      crds: [widget],
      controller: false,
      kubelet: false,
    });
    const api = custom.kubeConfig.makeApiClient(CustomObjectsApi);
    const w = await api.createClusterCustomObject({
      group: 'example.com',
      version: 'v1',
      plural: 'widgets',
      body: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: {} },
    });
    expect(w.spec.size).toBe(3);
  });
});
