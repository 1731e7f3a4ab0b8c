import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeCluster } from '@corral/testing';
import { parse, stringify } from 'yaml';
import type { FakeCluster, FakeClusterOptions, KubeObject } from '@corral/testing';
import { corral } from '../../helpers/corral.js';
import type { CorralRun } from '../../helpers/corral.js';
import { startAccessReviewProxy } from './access-review-proxy.js';
import { corralInProcess } from './in-process.js';
import type { AccessPolicy, AccessReviewProxy } from './access-review-proxy.js';

export const NAMESPACE = 'corral-sandboxes';
export const IMAGE = 'ghcr.io/corral-dev/runner:0.1.0';

export const GVR = {
  deployments: { group: 'apps', version: 'v1', resource: 'deployments' },
  runtimeClasses: { group: 'node.k8s.io', version: 'v1', resource: 'runtimeclasses' },
  namespaces: { group: '', version: 'v1', resource: 'namespaces' },
  templates: {
    group: 'extensions.agents.x-k8s.io',
    version: 'v1beta1',
    resource: 'sandboxtemplates',
  },
  warmPools: {
    group: 'extensions.agents.x-k8s.io',
    version: 'v1beta1',
    resource: 'sandboxwarmpools',
  },
} as const;

/** A fake cluster behind the access-review proxy, and a kubeconfig for the CLI pointing at it. */
export interface TestCluster {
  fake: FakeCluster;
  proxy: AccessReviewProxy;
  dir: string;
  kubeconfig: string;
  /** Runs the CLI in this process with KUBECONFIG set to this cluster (fast). */
  call(
    args: string[],
    options?: { stdin?: string; env?: Record<string, string> },
  ): Promise<CorralRun>;
  /** Runs the CLI as a real process with KUBECONFIG set to this cluster. */
  run(
    args: string[],
    options?: { stdin?: string; env?: Record<string, string> },
  ): Promise<CorralRun>;
  stop(): Promise<void>;
}

export async function startTestCluster(
  options: FakeClusterOptions & { policy?: AccessPolicy } = {},
): Promise<TestCluster> {
  const { policy, ...fakeOptions } = options;
  const fake = await startFakeCluster({ namespaces: [NAMESPACE], ...fakeOptions });
  const proxy = await startAccessReviewProxy(fake.url, policy);
  const dir = await mkdtemp(join(tmpdir(), 'corral-cli-kube-'));
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, kubeconfigFor(fake, proxy.url), { mode: 0o600 });
  return {
    fake,
    proxy,
    dir,
    kubeconfig,
    call: (args, callOptions = {}) =>
      corralInProcess(args, { KUBECONFIG: kubeconfig, ...callOptions.env }, callOptions.stdin),
    run: (args, runOptions = {}) =>
      corral(args, {
        stateDir: dir,
        env: { KUBECONFIG: kubeconfig, ...runOptions.env },
        ...(runOptions.stdin === undefined ? {} : { stdin: runOptions.stdin }),
      }),
    async stop() {
      await proxy.stop();
      await fake.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The fake's kubeconfig pointed at `server`. client-node refuses plain http unless the cluster
 * entry says `insecure-skip-tls-verify`, which the fake's YAML leaves out for http URLs.
 */
function kubeconfigFor(fake: FakeCluster, server: string): string {
  const config = parse(fake.kubeconfigYaml()) as {
    clusters: { cluster: Record<string, unknown> }[];
  };
  for (const entry of config.clusters) {
    entry.cluster.server = server;
    entry.cluster['insecure-skip-tls-verify'] = true;
  }
  return stringify(config);
}

/** A kubeconfig whose server is a loopback port nothing listens on. */
export async function unreachableKubeconfig(cluster: TestCluster): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const path = join(cluster.dir, 'kubeconfig-unreachable');
  await writeFile(path, kubeconfigFor(cluster.fake, `http://127.0.0.1:${port}`), { mode: 0o600 });
  return path;
}

/** The agent-sandbox controller as its release manifest installs it, Ready. */
export function installController(
  cluster: TestCluster,
  options: { extensions?: boolean; ready?: boolean } = {},
): KubeObject {
  const { store } = cluster.fake;
  if (store.get(GVR.namespaces, undefined, 'agent-sandbox-system') === undefined) {
    store.create(GVR.namespaces, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'agent-sandbox-system' },
    });
  }
  return store.create(GVR.deployments, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'agent-sandbox-controller', namespace: 'agent-sandbox-system' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'agent-sandbox-controller' } },
      template: {
        metadata: { labels: { app: 'agent-sandbox-controller' } },
        spec: {
          containers: [
            {
              name: 'agent-sandbox-controller',
              image: 'registry.k8s.io/agent-sandbox/agent-sandbox-controller:v0.5.6',
              args: ['--leader-elect', ...(options.extensions === false ? [] : ['--extensions'])],
            },
          ],
        },
      },
    },
    status: { replicas: 1, readyReplicas: options.ready === false ? 0 : 1 },
  });
}

export function installRuntimeClass(cluster: TestCluster, name = 'gvisor'): void {
  cluster.fake.store.create(GVR.runtimeClasses, {
    apiVersion: 'node.k8s.io/v1',
    kind: 'RuntimeClass',
    metadata: { name },
    handler: 'runsc',
  });
}

export function templateManifest(name: string, image = IMAGE): KubeObject {
  return {
    apiVersion: 'extensions.agents.x-k8s.io/v1beta1',
    kind: 'SandboxTemplate',
    metadata: { name, namespace: NAMESPACE },
    spec: {
      podTemplate: {
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: 'runner', image, ports: [{ containerPort: 8888 }] }],
        },
      },
    },
  };
}

/** Resolves once the pool reports `readyReplicas == replicas` (watch-driven, no polling). */
export function whenPoolReady(cluster: TestCluster, name: string): Promise<void> {
  return new Promise((resolve) => {
    // The store may call back synchronously (replaying the current object) before watch returns.
    const handle: { stop?: () => void } = {};
    let done = false;
    handle.stop = cluster.fake.store.watch(
      GVR.warmPools,
      { namespace: NAMESPACE, fieldSelector: `metadata.name=${name}` },
      (event) => {
        const pool = event.object as {
          spec?: { replicas?: number };
          status?: { readyReplicas?: number };
        };
        if (!done && (pool.status?.readyReplicas ?? 0) === (pool.spec?.replicas ?? 1)) {
          done = true;
          handle.stop?.();
          resolve();
        }
      },
    );
    if (done) handle.stop();
  });
}

/** A template and a warm pool of `replicas`, through the store (as `kubectl apply` would). */
export async function installPool(
  cluster: TestCluster,
  name: string,
  replicas: number,
): Promise<void> {
  const { store } = cluster.fake;
  store.create(GVR.templates, templateManifest(name));
  const ready = whenPoolReady(cluster, name);
  store.create(GVR.warmPools, {
    apiVersion: 'extensions.agents.x-k8s.io/v1beta1',
    kind: 'SandboxWarmPool',
    metadata: { name, namespace: NAMESPACE },
    spec: { replicas, sandboxTemplateRef: { name } },
  });
  await ready;
}
