/** A fake cluster whose pods run the real runner, with a template, a cold pool and a warm pool. */
import { startFakeCluster, type FakeCluster, type KubeObject } from '@corral/testing';
// The SDK's index does not export the Kubernetes provider yet; its module is stable.
import { createKubernetesProvider, type KubernetesProvider } from '@corral/sdk/kubernetes';
import { runnerPods, type RunnerPods } from './runner-pods.js';

export const NS = 'default';
const ext = (resource: string) => ({
  group: 'extensions.agents.x-k8s.io',
  version: 'v1beta1',
  resource,
});
export const CLAIMS = ext('sandboxclaims');
export const SANDBOXES = { group: 'agents.x-k8s.io', version: 'v1beta1', resource: 'sandboxes' };
export const PODS = { group: '', version: 'v1', resource: 'pods' };

export interface KubeEnv {
  cluster: FakeCluster;
  pods: RunnerPods;
  provider(owner: string, options?: { warmPool?: string }): KubernetesProvider;
  claims(): KubeObject[];
  /** Claims carrying Corral's owner label. */
  corralClaims(): KubeObject[];
  /** Resolves when `check` holds (re-checked on every store event of `gvr`). */
  until(
    gvr: { group: string; version: string; resource: string },
    check: () => boolean,
  ): Promise<void>;
  stop(): Promise<void>;
}

export async function startKubeEnv(options: { warmReplicas?: number } = {}): Promise<KubeEnv> {
  const pods = runnerPods();
  const cluster = await startFakeCluster({ kubelet: { startDelayMs: 1, runtime: pods } });
  pods.attach(cluster);
  const providers: KubernetesProvider[] = [];
  const until: KubeEnv['until'] = (gvr, check) =>
    new Promise<void>((resolve) => {
      if (check()) return resolve();
      const stop = cluster.store.watch(gvr, { namespace: NS }, () => {
        if (check()) {
          stop();
          resolve();
        }
      });
    });
  cluster.store.create(ext('sandboxtemplates'), {
    apiVersion: 'extensions.agents.x-k8s.io/v1beta1',
    kind: 'SandboxTemplate',
    metadata: { name: 'tpl', namespace: NS },
    spec: {
      podTemplate: {
        spec: {
          restartPolicy: 'Never',
          containers: [
            { name: 'runner', image: 'corral/runner:1', ports: [{ containerPort: 8888 }] },
          ],
        },
      },
    },
  });
  const pool = (name: string, replicas: number) =>
    cluster.store.create(ext('sandboxwarmpools'), {
      apiVersion: 'extensions.agents.x-k8s.io/v1beta1',
      kind: 'SandboxWarmPool',
      metadata: { name, namespace: NS },
      spec: { replicas, sandboxTemplateRef: { name: 'tpl' } },
    });
  pool('cold', 0);
  const warm = options.warmReplicas ?? 0;
  if (warm > 0) {
    pool('warm', warm);
    await until(ext('sandboxwarmpools'), () => {
      const status = cluster.store.get(ext('sandboxwarmpools'), NS, 'warm')?.status as
        { readyReplicas?: number } | undefined;
      return status?.readyReplicas === warm;
    });
  }
  const claims = () => cluster.store.list(CLAIMS, { namespace: NS }).items;
  return {
    cluster,
    pods,
    provider(owner, providerOptions = {}) {
      const provider = createKubernetesProvider({
        kubeConfig: cluster.kubeConfig,
        warmPool: providerOptions.warmPool ?? 'cold',
        owner,
        readyTimeoutMs: 10_000,
        connection: { mode: 'direct' },
      });
      providers.push(provider);
      return provider;
    },
    claims,
    corralClaims: () =>
      claims().filter((c) => c.metadata.labels?.['corral.dev/owner'] !== undefined),
    until,
    async stop() {
      await Promise.all(providers.map((p) => p.close()));
      await cluster.stop();
      await pods.stopAll();
    },
  };
}
