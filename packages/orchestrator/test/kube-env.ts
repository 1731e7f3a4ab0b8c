/**
 * A fake cluster whose runner pods really run (`kubelet: { runtime: 'process' }`: the Corral
 * runner in a local sandbox, answering on its own loopback pod IP), on either API version, with:
 *
 * - template `tpl` (the runner, one-shot) behind pool `cold` (replicas 0) and, optionally, pool
 *   `warm` whose members are Ready before `startKubeEnv` resolves;
 * - template `deaf` behind pool `deaf` (replicas 0): a container that is not the runner, so the
 *   pod is simulated: Running and Ready with a 127.244.x.y pod IP on which nothing answers
 *   (connection refused): a runner that never becomes reachable.
 *
 * `verifyClean()` is every test's last word: no Corral claim left, every pod that served a claim
 * gone, and no runner process left behind.
 */
import { expect } from 'vitest';
import {
  startFakeCluster,
  type FakeCluster,
  type KubeObject,
  type ProcessRuntime,
} from '@corral/testing';
// The SDK's index does not export the Kubernetes provider yet; its module is stable.
import { createKubernetesProvider, type KubernetesProvider } from '@corral/sdk/kubernetes';
import { processGone, processesOfUid } from '../../sdk/test/kubernetes/e2e-cluster.js';

export const NS = 'default';
export type ApiVersion = 'v1beta1' | 'v1alpha1';
export const RUNNER_IMAGE = 'ghcr.io/corral-dev/runner:0.1.0';
/** Not the runner: the process runtime leaves its pod simulated (Ready, nothing listening). */
const DEAF_IMAGE = 'registry.example/not-a-runner:1';
export const PODS = { group: '', version: 'v1', resource: 'pods' };

export interface Gvr {
  group: string;
  version: string;
  resource: string;
}

export function gvrOf(resource: string, version: ApiVersion): Gvr {
  const group = resource === 'sandboxes' ? 'agents.x-k8s.io' : 'extensions.agents.x-k8s.io';
  return { group, version, resource };
}

export interface KubeEnv {
  cluster: FakeCluster;
  version: ApiVersion;
  /** The claims' resource in the served version. */
  claimsGvr: Gvr;
  runtime: ProcessRuntime;
  /**
   * A provider with `owner`, connecting `direct` (pod IPs are loopback addresses). Cold by
   * default: pool `cold` on v1beta1, template `tpl` (no pool) on v1alpha1.
   */
  provider(owner: string, options?: { warmPool?: string; template?: string }): KubernetesProvider;
  claims(): KubeObject[];
  /** Claims carrying Corral's owner label. */
  corralClaims(): KubeObject[];
  /** Resolves when `check` holds (re-checked on every store event of `gvr`). */
  until(gvr: Gvr, check: () => boolean, timeoutMs?: number): Promise<void>;
  /** Runner processes seen so far, by pod name (pods that started a sandbox). */
  runners(): Map<string, { pid: number | undefined; hostUid: number | undefined }>;
  /**
   * Asserts that nothing a test made is left: no Corral claim, no pod (or runner process) that
   * served a claim; only unclaimed warm-pool members may still run.
   */
  verifyClean(): Promise<void>;
  stop(): Promise<void>;
}

function template(name: string, version: ApiVersion, image: string): KubeObject {
  return {
    apiVersion: `extensions.agents.x-k8s.io/${version}`,
    kind: 'SandboxTemplate',
    metadata: { name, namespace: NS },
    spec: {
      podTemplate: {
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'runner',
              image,
              env: [{ name: 'CORRAL_RUNNER_MODE', value: 'oneshot' }],
              ports: [{ containerPort: 8888 }],
            },
          ],
        },
      },
    },
  };
}

function pool(name: string, templateName: string, replicas: number, version: ApiVersion) {
  return {
    apiVersion: `extensions.agents.x-k8s.io/${version}`,
    kind: 'SandboxWarmPool',
    metadata: { name, namespace: NS },
    spec: { replicas, sandboxTemplateRef: { name: templateName } },
  };
}

/** `CORRAL_TESTING_POD_ISOLATION=none|unshare|bubblewrap` forces the pods' sandbox mechanism. */
function isolation(): { isolation?: 'none' | 'unshare' | 'bubblewrap' } {
  const forced = process.env.CORRAL_TESTING_POD_ISOLATION as
    | 'none'
    | 'unshare'
    | 'bubblewrap'
    | undefined;
  return forced ? { isolation: forced } : {};
}

export async function startKubeEnv(
  options: { version?: ApiVersion; warmReplicas?: number } = {},
): Promise<KubeEnv> {
  const version = options.version ?? 'v1beta1';
  const cluster = await startFakeCluster({
    crds: version === 'v1beta1' ? 'main' : 'v0.4.6',
    kubelet: { startDelayMs: 0, runtime: 'process', process: isolation() },
  });
  const runtime = cluster.kubelet!.runtime as ProcessRuntime;
  const claimsGvr = gvrOf('sandboxclaims', version);
  const sandboxesGvr = gvrOf('sandboxes', version);
  const providers: KubernetesProvider[] = [];
  const runners = new Map<string, { pid: number | undefined; hostUid: number | undefined }>();
  // every pod's runner process, recorded while it exists (checked after the pod is gone)
  const stopRecording = cluster.store.watch(PODS, { namespace: NS }, (event) => {
    const name = event.object.metadata.name ?? '';
    const proc = runtime.lookup(NS, name);
    if (proc?.pid !== undefined && !runners.has(name)) {
      runners.set(name, { pid: proc.pid, hostUid: proc.hostUid });
    }
  });

  const until: KubeEnv['until'] = (gvr, check, timeoutMs = 15_000) =>
    new Promise<void>((resolve, reject) => {
      if (check()) return resolve();
      const timer = setTimeout(() => {
        stop();
        reject(new Error(`timed out after ${timeoutMs} ms waiting on ${gvr.resource}`));
      }, timeoutMs);
      const stop = cluster.store.watch(gvr, { namespace: NS }, () => {
        if (check()) {
          clearTimeout(timer);
          stop();
          resolve();
        }
      });
    });

  const create = (resource: string, object: KubeObject) =>
    cluster.store.create(gvrOf(resource, version), object);
  create('sandboxtemplates', template('tpl', version, RUNNER_IMAGE));
  create('sandboxtemplates', template('deaf', version, DEAF_IMAGE));
  create('sandboxwarmpools', pool('cold', 'tpl', 0, version));
  create('sandboxwarmpools', pool('deaf', 'deaf', 0, version));
  const warm = options.warmReplicas ?? 0;
  if (warm > 0) {
    create('sandboxwarmpools', pool('warm', 'tpl', warm, version));
    await until(gvrOf('sandboxwarmpools', version), () => {
      const status = cluster.store.get(gvrOf('sandboxwarmpools', version), NS, 'warm')?.status as
        { readyReplicas?: number } | undefined;
      return status?.readyReplicas === warm;
    });
  }

  const claims = () => cluster.store.list(claimsGvr, { namespace: NS }).items;
  /** Whether pod `pod` belongs to an unclaimed warm-pool member (allowed to outlive a test). */
  const isPoolMember = (pod: KubeObject): boolean => {
    const owner = pod.metadata.ownerReferences?.find((r) => r.controller === true);
    if (owner?.kind !== 'Sandbox') return false;
    const sandbox = cluster.store.get(sandboxesGvr, NS, owner.name);
    return (
      sandbox?.metadata.ownerReferences?.some(
        (r) => r.controller === true && r.kind === 'SandboxWarmPool',
      ) ?? false
    );
  };
  const pods = () => cluster.store.list(PODS, { namespace: NS }).items;
  const checkGone = async (names: string[]) => {
    for (const name of names) {
      const { pid, hostUid } = runners.get(name)!;
      expect(await processGone(pid), `runner process of pod ${name} (pid ${pid})`).toBe(true);
      expect(await processesOfUid(hostUid), `processes of pod ${name}'s uid`).toEqual([]);
    }
  };
  let stopped = false;

  return {
    cluster,
    version,
    claimsGvr,
    runtime,
    provider(owner, providerOptions = {}) {
      const cold =
        version === 'v1beta1' ? { warmPool: 'cold' } : { template: 'tpl' as string | undefined };
      const provider = createKubernetesProvider({
        kubeConfig: cluster.kubeConfig,
        ...(providerOptions.warmPool !== undefined || providerOptions.template !== undefined
          ? providerOptions
          : cold),
        owner,
        readyTimeoutMs: 15_000,
        connection: { mode: 'direct' },
      });
      providers.push(provider);
      return provider;
    },
    claims,
    corralClaims: () =>
      claims().filter((c) => c.metadata.labels?.['corral.dev/owner'] !== undefined),
    until,
    runners: () => runners,
    async verifyClean() {
      expect(claims().filter((c) => c.metadata.labels?.['corral.dev/owner'] !== undefined)).toEqual(
        [],
      );
      // the controller deletes a claim's Sandbox and pod after the claim; wait for that
      await until(PODS, () => pods().every(isPoolMember));
      await cluster.kubelet!.whenIdle();
      const live = new Set(pods().map((p) => p.metadata.name ?? ''));
      for (const proc of runtime.processes()) {
        expect(live.has(proc.name), `runner of deleted pod ${proc.name} still tracked`).toBe(true);
      }
      await checkGone([...runners.keys()].filter((name) => !live.has(name)));
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      stopRecording();
      await Promise.all(providers.map((p) => p.close()));
      await cluster.stop();
      // pool members too: the cluster's kubelet stops every pod it ran
      await checkGone([...runners.keys()]);
    },
  };
}
