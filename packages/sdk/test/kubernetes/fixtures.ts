/** A fake cluster with a template and pools, and store helpers for the Kubernetes provider tests. */
import { startFakeCluster, type FakeCluster, type KubeObject } from '@corral/testing';
import {
  createKubernetesProvider,
  type KubernetesProvider,
  type KubernetesProviderOptions,
} from '../../src/kubernetes/index.js';

export const NS = 'default';
type Version = 'v1beta1' | 'v1alpha1';

export function gvr(resource: string, version: Version = 'v1beta1') {
  const group = resource === 'sandboxes' ? 'agents.x-k8s.io' : 'extensions.agents.x-k8s.io';
  return { group, version, resource };
}
export const PODS = { group: '', version: 'v1', resource: 'pods' };

export function template(name: string, version: Version = 'v1beta1'): KubeObject {
  return {
    apiVersion: `extensions.agents.x-k8s.io/${version}`,
    kind: 'SandboxTemplate',
    metadata: { name, namespace: NS },
    spec: {
      podTemplate: {
        spec: {
          restartPolicy: 'Never',
          runtimeClassName: 'gvisor',
          containers: [
            { name: 'runner', image: 'corral/runner:1', ports: [{ containerPort: 8888 }] },
          ],
        },
      },
    },
  };
}

export function pool(
  name: string,
  templateName: string,
  replicas: number,
  version: Version = 'v1beta1',
): KubeObject {
  return {
    apiVersion: `extensions.agents.x-k8s.io/${version}`,
    kind: 'SandboxWarmPool',
    metadata: { name, namespace: NS },
    spec: { replicas, sandboxTemplateRef: { name: templateName } },
  };
}

/** Provider options; `undefined` removes a fixture default (e.g. `warmPool: undefined`). */
export type Overrides = {
  [K in keyof KubernetesProviderOptions]?: KubernetesProviderOptions[K] | undefined;
};

export interface Env {
  cluster: FakeCluster;
  version: Version;
  provider(options?: Overrides): KubernetesProvider;
  claims(): KubeObject[];
  sandboxes(): KubeObject[];
  /** Resolves when `check` holds for the store (checked on every store event; no polling). */
  until(resource: string, check: () => boolean): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts a fake cluster with template `tpl`, a cold pool `cold` (replicas 0) and, when
 * `warmReplicas` > 0, a warm pool `warm` whose members are Ready before this resolves.
 */
export async function startEnv(
  options: { crds?: 'main' | 'v0.4.6'; warmReplicas?: number } = {},
): Promise<Env> {
  const crds = options.crds ?? 'main';
  const version: Version = crds === 'main' ? 'v1beta1' : 'v1alpha1';
  const cluster = await startFakeCluster({ crds, kubelet: { startDelayMs: 1 } });
  const providers: KubernetesProvider[] = [];
  const until = (resource: string, check: () => boolean): Promise<void> =>
    new Promise<void>((resolve) => {
      if (check()) {
        resolve();
        return;
      }
      const stop = cluster.store.watch(
        resource === 'pods' ? PODS : gvr(resource, version),
        { namespace: NS },
        () => {
          if (check()) {
            stop();
            resolve();
          }
        },
      );
    });
  cluster.store.create(gvr('sandboxtemplates', version), template('tpl', version));
  cluster.store.create(gvr('sandboxwarmpools', version), pool('cold', 'tpl', 0, version));
  const warm = options.warmReplicas ?? 0;
  if (warm > 0) {
    cluster.store.create(gvr('sandboxwarmpools', version), pool('warm', 'tpl', warm, version));
    await until('sandboxwarmpools', () => {
      const status = cluster.store.get(gvr('sandboxwarmpools', version), NS, 'warm')?.status as
        { readyReplicas?: number } | undefined;
      return status?.readyReplicas === warm;
    });
  }
  return {
    cluster,
    version,
    provider(providerOptions = {}) {
      const merged: Overrides = {
        kubeConfig: cluster.kubeConfig,
        warmPool: 'cold',
        owner: 'test-owner',
        readyTimeoutMs: 10_000,
        connection: { mode: 'direct' },
        ...providerOptions,
      };
      const provider = createKubernetesProvider(
        Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined)),
      );
      providers.push(provider);
      return provider;
    },
    claims: () => cluster.store.list(gvr('sandboxclaims', version), { namespace: NS }).items,
    sandboxes: () => cluster.store.list(gvr('sandboxes', version), { namespace: NS }).items,
    until,
    async stop() {
      await Promise.all(providers.map((p) => p.close()));
      await cluster.stop();
    },
  };
}
