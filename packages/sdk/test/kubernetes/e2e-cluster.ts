/* eslint-disable @typescript-eslint/no-explicit-any -- manifests and watch objects are untyped JSON */
/**
 * The cluster the Kubernetes end-to-end tests run against.
 *
 * - Default: the fake cluster of `@corral/testing` with `kubelet: { runtime: 'process' }`, so
 *   runner pods really run (a sandboxed runner per pod on a loopback pod IP). The runner
 *   template and cold pool are `deploy/v1beta1`'s own manifests, applied through the API.
 * - `K8S_E2E=1`: the current kubeconfig (`loadKubeConfig()`), namespace `K8S_E2E_NAMESPACE`
 *   (default `corral-e2e`) where `deploy/v1beta1` was applied with a real runner image, and the
 *   oneshot pool `K8S_E2E_POOL` (default `corral-runner-cold`). See docs/deploy.md,
 *   "End-to-end on a real cluster".
 *
 * Both get a serve-mode copy of the pool's template (interactive sandboxes need a runner that
 * keeps serving) as a `replicas: 0` pool, made here and deleted in `stop()`.
 */
import { readFile, readdir } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { loadKubeConfig } from '@corral/agent-sandbox';
import {
  startFakeCluster,
  type FakeCluster,
  type FakeClusterOptions,
  type PodProcess,
  type ProcessRuntimeOptions,
} from '@corral/testing';
import { CoreV1Api, CustomObjectsApi, Watch, type KubeConfig } from '@kubernetes/client-node';
import { parse } from 'yaml';
import {
  createKubernetesProvider,
  type KubernetesProvider,
  type KubernetesProviderOptions,
} from '../../src/kubernetes/index.js';

export const GROUP = 'extensions.agents.x-k8s.io';
export const VERSION = 'v1beta1';
const OWNER_LABEL = 'corral.dev/owner';
const DEPLOY_DIR = fileURLToPath(new URL('../../../../deploy/v1beta1/', import.meta.url));

/**
 * True when the suite runs against a cluster of the current kubeconfig that was set up with
 * `kubectl apply -k deploy/v1beta1`: a real one (`K8S_E2E=1`), or the playground fake in its own
 * process (`K8S_E2E=fake`, `scripts/k8s-e2e-fake.sh`), which CI runs so that the commands a user
 * runs on kind are the ones tested.
 */
export const REAL_CLUSTER = process.env.K8S_E2E === '1' || process.env.K8S_E2E === 'fake';

/** For test titles: which cluster this run is against. */
export const CLUSTER_LABEL =
  process.env.K8S_E2E === '1'
    ? 'kubeconfig cluster'
    : process.env.K8S_E2E === 'fake'
      ? 'kubeconfig cluster: the playground fake, set up with kubectl apply -k'
      : 'fake cluster, real runner pods';

/**
 * Connection modes under test: both on the fake (pod IPs are loopback addresses); on a real
 * cluster `K8S_E2E_CONNECTION` (comma-separated), default `port-forward` (`direct` needs the
 * tests to run inside the cluster network).
 */
export const E2E_MODES: ('direct' | 'port-forward')[] = REAL_CLUSTER
  ? ((process.env.K8S_E2E_CONNECTION ?? 'port-forward').split(',') as ('direct' | 'port-forward')[])
  : ['direct', 'port-forward'];

export interface E2eCluster {
  readonly kind: 'fake' | 'real';
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  /** A `replicas: 0` pool whose runner serves until deleted (commands, files, exec). */
  readonly servePool: string;
  /** The template behind `servePool` (for tests that make their own pool). */
  readonly serveTemplate: string;
  /** A pool whose runner runs one task and exits (`CORRAL_RUNNER_MODE=oneshot`). */
  readonly oneshotPool: string;
  /** The `corral.dev/owner` label value of every provider made here. */
  readonly owner: string;
  /** The fake cluster, or `undefined` on a real one (fake-only hooks). */
  readonly fake: FakeCluster | undefined;
  /** A provider on this cluster (closed by `stop()`); pass `connection` and pools as needed. */
  provider(options?: KubernetesProviderOptions): KubernetesProvider;
  /**
   * Names of the claims made by this harness's providers that still exist; with `any`, of every
   * claim Corral made in the namespace (e.g. by a CLI process).
   */
  claimNames(options?: { any?: boolean }): Promise<string[]>;
  /** Resolves once pod `name` does not exist (watch-driven). */
  podGone(name: string, timeoutMs?: number): Promise<void>;
  /** `waitForObject` in this cluster's namespace. */
  until(
    collection: Collection,
    done: (object: any, type: string) => boolean,
    options?: { fieldSelector?: string; timeoutMs?: number },
  ): Promise<any>;
  /** The fake's runner process of a pod (fake only). */
  runnerOf(pod: string): PodProcess | undefined;
  /** Creates a custom object in the namespace; `stop()` deletes it. */
  createCustom(plural: string, body: any): Promise<any>;
  deleteCustom(plural: string, name: string): Promise<void>;
  stop(): Promise<void>;
}

/** `CORRAL_TESTING_POD_ISOLATION=none|unshare|bubblewrap` forces the fake's pod sandbox. */
function processOptions(): ProcessRuntimeOptions {
  const isolation = process.env.CORRAL_TESTING_POD_ISOLATION as ProcessRuntimeOptions['isolation'];
  return isolation ? { isolation } : {};
}

async function deployManifests(namespace: string): Promise<any[]> {
  const out: any[] = [];
  for (const file of ['sandboxtemplate.yaml', 'sandboxwarmpool-cold.yaml']) {
    const doc = parse(await readFile(`${DEPLOY_DIR}${file}`, 'utf8'));
    doc.metadata.namespace = namespace;
    out.push(doc);
  }
  return out;
}

/** The deploy manifests exist and are what the harness expects (catches a rename early). */
export async function deployFiles(): Promise<string[]> {
  return readdir(DEPLOY_DIR);
}

function envOf(name: string, fallback: string): string {
  const value = process.env[name];
  return value === undefined || value === '' ? fallback : value;
}

/** Starts the e2e cluster: the fake with real pods, or the real one when `K8S_E2E=1`. */
export async function startE2eCluster(
  options: { fake?: Omit<FakeClusterOptions, 'kubelet' | 'namespaces'> } = {},
): Promise<E2eCluster> {
  const namespace = envOf('K8S_E2E_NAMESPACE', 'corral-e2e');
  const suffix = randomBytes(3).toString('hex');
  const owner = `corral-e2e-${suffix}`;
  let fake: FakeCluster | undefined;
  let kubeConfig: KubeConfig;
  let oneshotPool: string;
  if (REAL_CLUSTER) {
    kubeConfig = loadKubeConfig({ namespace }).kubeConfig;
    oneshotPool = envOf('K8S_E2E_POOL', 'corral-runner-cold');
  } else {
    fake = await startFakeCluster({
      ...options.fake,
      namespaces: [namespace],
      namespace,
      kubelet: { startDelayMs: 0, runtime: 'process', process: processOptions() },
    });
    kubeConfig = fake.kubeConfig;
    oneshotPool = 'corral-runner-cold';
  }
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const made: { plural: string; name: string }[] = [];
  const providers: KubernetesProvider[] = [];
  const ref = (plural: string) => ({ group: GROUP, version: VERSION, namespace, plural });
  const createCustom = async (plural: string, body: any): Promise<any> => {
    const created = await custom.createNamespacedCustomObject({ ...ref(plural), body });
    made.push({ plural, name: body.metadata.name });
    return created;
  };
  const deleteCustom = async (plural: string, name: string): Promise<void> => {
    try {
      await custom.deleteNamespacedCustomObject({ ...ref(plural), name });
    } catch (e) {
      if ((e as { code?: number }).code !== 404) throw e;
    }
  };

  try {
    if (fake !== undefined) {
      for (const doc of await deployManifests(namespace)) {
        await custom.createNamespacedCustomObject({
          ...ref(doc.kind === 'SandboxTemplate' ? 'sandboxtemplates' : 'sandboxwarmpools'),
          body: doc,
        });
      }
    }
    // A serve-mode copy of the oneshot pool's template, behind a cold pool.
    const base: any = await custom.getNamespacedCustomObject({
      ...ref('sandboxwarmpools'),
      name: oneshotPool,
    });
    const baseTemplate: any = await custom.getNamespacedCustomObject({
      ...ref('sandboxtemplates'),
      name: base.spec.sandboxTemplateRef.name,
    });
    const serveTemplate = `corral-e2e-serve-${suffix}`;
    const spec = structuredClone(baseTemplate.spec);
    for (const container of spec.podTemplate.spec.containers) {
      const env = (container.env ?? []).filter((e: any) => e.name !== 'CORRAL_RUNNER_MODE');
      container.env = [...env, { name: 'CORRAL_RUNNER_MODE', value: 'serve' }];
    }
    await createCustom('sandboxtemplates', {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: 'SandboxTemplate',
      metadata: { name: serveTemplate, namespace, labels: { [OWNER_LABEL]: owner } },
      spec,
    });
    await createCustom('sandboxwarmpools', {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: 'SandboxWarmPool',
      metadata: { name: serveTemplate, namespace, labels: { [OWNER_LABEL]: owner } },
      spec: { replicas: 0, sandboxTemplateRef: { name: serveTemplate } },
    });

    return {
      kind: fake === undefined ? 'real' : 'fake',
      kubeConfig,
      namespace,
      servePool: serveTemplate,
      serveTemplate,
      oneshotPool,
      owner,
      fake,
      provider(providerOptions = {}) {
        const provider = createKubernetesProvider({
          kubeConfig,
          namespace,
          owner,
          warmPool: serveTemplate,
          readyTimeoutMs: REAL_CLUSTER ? 180_000 : 20_000,
          cleanupTimeoutMs: 20_000,
          ...providerOptions,
        });
        providers.push(provider);
        return provider;
      },
      async claimNames(which = {}) {
        const list: any = await custom.listNamespacedCustomObject({
          ...ref('sandboxclaims'),
          labelSelector:
            which.any === true ? 'agents.x-k8s.io/created-by=corral' : `${OWNER_LABEL}=${owner}`,
        });
        return (list.items as any[]).map((c) => c.metadata.name as string);
      },
      async podGone(name, timeoutMs) {
        await waitForObject(kubeConfig, namespace, { plural: 'pods' }, (_o, t) => t === 'DELETED', {
          fieldSelector: `metadata.name=${name}`,
          absent: true,
          ...(timeoutMs === undefined ? {} : { timeoutMs }),
        });
      },
      until: (collection, done, options) =>
        waitForObject(kubeConfig, namespace, collection, done, options),
      runnerOf(pod) {
        return fake?.kubelet?.runtime.lookup?.(namespace, pod);
      },
      createCustom,
      deleteCustom,
      async stop() {
        await Promise.allSettled(providers.map((p) => p.deleteAllCreated()));
        await Promise.allSettled(providers.map((p) => p.close()));
        for (const { plural, name } of made.reverse()) await deleteCustom(plural, name);
        await fake?.stop();
      },
    };
  } catch (e) {
    for (const { plural, name } of made.reverse()) await deleteCustom(plural, name);
    await fake?.stop();
    throw e;
  }
}

/** A collection in the e2e namespace: `pods`, or a custom resource of `group`. */
export interface Collection {
  plural: string;
  group?: string;
}

function collectionPath(namespace: string, c: Collection): string {
  return c.group === undefined
    ? `/api/v1/namespaces/${namespace}/${c.plural}`
    : `/apis/${c.group}/${VERSION}/namespaces/${namespace}/${c.plural}`;
}

async function listCollection(
  kubeConfig: KubeConfig,
  namespace: string,
  c: Collection,
  fieldSelector: string | undefined,
): Promise<{ items: any[]; resourceVersion: string }> {
  const selector = fieldSelector === undefined ? {} : { fieldSelector };
  const list: any =
    c.group === undefined
      ? await kubeConfig.makeApiClient(CoreV1Api).listNamespacedPod({ namespace, ...selector })
      : await kubeConfig.makeApiClient(CustomObjectsApi).listNamespacedCustomObject({
          group: c.group,
          version: VERSION,
          namespace,
          plural: c.plural,
          ...selector,
        });
  return { items: list.items as any[], resourceVersion: list.metadata.resourceVersion as string };
}

/**
 * Resolves with the first object of a collection for which `done(object, type)` holds: the
 * current list first (type `LISTED`), then a watch from its resourceVersion. With `absent`, also
 * resolves (with `undefined`) when the list is empty. No polling.
 */
export async function waitForObject(
  kubeConfig: KubeConfig,
  namespace: string,
  collection: Collection,
  done: (object: any, type: string) => boolean,
  options: { fieldSelector?: string; timeoutMs?: number; absent?: boolean } = {},
): Promise<any> {
  const timeoutMs = options.timeoutMs ?? (REAL_CLUSTER ? 180_000 : 20_000);
  const list = await listCollection(kubeConfig, namespace, collection, options.fieldSelector);
  if (options.absent === true && list.items.length === 0) return undefined;
  const found = list.items.find((o) => done(o, 'LISTED'));
  if (found !== undefined) return found;
  return new Promise((resolve, reject) => {
    let abort: (() => void) | undefined;
    const timer = setTimeout(() => {
      abort?.();
      reject(new Error(`no ${collection.plural} reached the expected state in ${timeoutMs} ms`));
    }, timeoutMs);
    void new Watch(kubeConfig)
      .watch(
        collectionPath(namespace, collection),
        {
          ...(options.fieldSelector === undefined ? {} : { fieldSelector: options.fieldSelector }),
          resourceVersion: list.resourceVersion,
        },
        (type, object: any) => {
          if (done(object, type)) {
            clearTimeout(timer);
            abort?.();
            resolve(object);
          }
        },
        (err) => {
          if (err !== null && err !== undefined && (err as Error).name !== 'AbortError') {
            clearTimeout(timer);
            reject(err as Error);
          }
        },
      )
      .then((req) => (abort = () => req.abort()), reject);
  });
}

// Process checks shared with the fake cluster's own pod tests.
export { processGone, processesOfUid } from '../../../testing/test/pods/harness.js';
