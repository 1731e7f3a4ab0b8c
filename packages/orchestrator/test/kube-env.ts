/**
 * A fake cluster whose runner pods really run (`kubelet: { runtime: 'process' }`: the Corral
 * runner in a local sandbox, answering on its own loopback pod IP), on either API version, with:
 *
 * - template `tpl` (the runner, one-shot) behind pool `cold` (replicas 0) and, optionally, pool
 *   `warm` whose members are Ready before `startKubeEnv` resolves;
 * - template `deaf` behind pool `deaf` (replicas 0): a container that is not the runner, so the
 *   pod is simulated: Running and Ready with a 127.244.x.y pod IP on which nothing answers
 *   (connection refused): a runner that never becomes reachable;
 * - template `broken` behind pool `broken` (replicas 0): the runner with a flag it refuses, so it
 *   exits before listening and the pod fails to start (`StartError`).
 *
 * Runner sandboxes are launched through a recording wrapper of the SDK's `launchSandbox`, so
 * `verifyClean()`, every test's last word, can check that no Corral claim is left, every pod that
 * served a claim is gone, and no runner process (nor any process of its sandbox uid) outlived its
 * pod; `stop()` checks the same for the pool members the cluster stops.
 */
import { expect } from 'vitest';
import { launchSandbox } from '@corral/sdk';
import {
  startFakeCluster,
  type FakeCluster,
  type KubeObject,
  type ProcessRuntime,
  type SandboxLauncher,
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
  /** Names of the pods whose runner was started (and printed `listening`, or failed to). */
  runners(): Set<string>;
  /** How many runner sandboxes were launched. */
  launchedCount(): number;
  /** Calls `listener` once, the next time a pod's runner sandbox is launched (its runner is starting). */
  onLaunch(listener: () => void): void;
  /**
   * Asserts that nothing a test made is left: no Corral claim, no pod (or runner process) that
   * served a claim; only unclaimed warm-pool members may still run.
   */
  verifyClean(): Promise<void>;
  stop(): Promise<void>;
}

function template(
  name: string,
  version: ApiVersion,
  image: string,
  args: string[] = [],
): KubeObject {
  return {
    apiVersion: `extensions.agents.x-k8s.io/${version}`,
    kind: 'SandboxTemplate',
    metadata: { name, namespace: NS },
    spec: {
      podTemplate: {
        spec: {
          restartPolicy: 'Never',
          // the fake honours the grace period: a SIGTERM that reaches a sandbox still being set
          // up is ignored by its pid-namespace init, and the SIGKILL comes when the grace ends
          terminationGracePeriodSeconds: 3,
          containers: [
            {
              name: 'runner',
              image,
              args,
              env: [{ name: 'CORRAL_RUNNER_MODE', value: 'oneshot' }],
              ports: [{ containerPort: 8888 }],
              // as Corral's templates: Ready once the runner answers (the fake runs the probe)
              ...(image === RUNNER_IMAGE
                ? {
                    readinessProbe: {
                      httpGet: { path: '/healthz', port: 8888 },
                      periodSeconds: 1,
                      failureThreshold: 3,
                    },
                  }
                : {}),
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
    'none' | 'unshare' | 'bubblewrap' | undefined;
  return forced ? { isolation: forced } : {};
}

export async function startKubeEnv(
  options: { version?: ApiVersion; warmReplicas?: number } = {},
): Promise<KubeEnv> {
  const version = options.version ?? 'v1beta1';
  // every runner sandbox ever launched, to check that none outlives its pod
  const launched: { pid: number; hostUid: number | undefined }[] = [];
  const launchListeners: (() => void)[] = [];
  const launcher: SandboxLauncher = async (launchOptions) => {
    const sandbox = await launchSandbox(launchOptions);
    launched.push({ pid: sandbox.pid, hostUid: launchOptions.uid });
    for (const listener of launchListeners.splice(0)) listener();
    return sandbox;
  };
  const cluster = await startFakeCluster({
    crds: version === 'v1beta1' ? 'main' : 'v0.4.6',
    kubelet: { startDelayMs: 0, runtime: 'process', process: { ...isolation(), launcher } },
  });
  const runtime = cluster.kubelet!.runtime as ProcessRuntime;
  const claimsGvr = gvrOf('sandboxclaims', version);
  const sandboxesGvr = gvrOf('sandboxes', version);
  const providers: KubernetesProvider[] = [];
  const runners = new Set<string>();
  const stopRecording = cluster.store.watch(PODS, { namespace: NS }, (event) => {
    const name = event.object.metadata.name ?? '';
    if (runtime.lookup(NS, name)?.pid !== undefined) runners.add(name);
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
  create('sandboxtemplates', template('broken', version, RUNNER_IMAGE, ['--no-such-flag']));
  for (const name of ['cold', 'deaf', 'broken']) {
    create('sandboxwarmpools', pool(name, name === 'cold' ? 'tpl' : name, 0, version));
  }
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
  const corralClaims = () =>
    claims().filter((c) => c.metadata.labels?.['corral.dev/owner'] !== undefined);
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
  /** Every launched runner except those in `alive` has no process left (nor its uid). */
  const checkGone = async (alive: Set<number>) => {
    for (const { pid, hostUid } of launched) {
      if (alive.has(pid)) continue;
      expect(await processGone(pid), `runner process ${pid}`).toBe(true);
      expect(await processesOfUid(hostUid), `processes of runner ${pid}'s uid`).toEqual([]);
    }
  };
  let stopped = false;

  return {
    cluster,
    version,
    claimsGvr,
    runtime,
    provider(owner, providerOptions = {}) {
      const cold = version === 'v1beta1' ? { warmPool: 'cold' } : { template: 'tpl' };
      const given =
        providerOptions.warmPool !== undefined || providerOptions.template !== undefined;
      const provider = createKubernetesProvider({
        kubeConfig: cluster.kubeConfig,
        ...(given ? providerOptions : cold),
        owner,
        readyTimeoutMs: 15_000,
        connection: { mode: 'direct' },
      });
      providers.push(provider);
      return provider;
    },
    claims,
    corralClaims,
    until,
    runners: () => runners,
    launchedCount: () => launched.length,
    onLaunch(listener) {
      launchListeners.push(listener);
    },
    async verifyClean() {
      expect(corralClaims()).toEqual([]);
      // the controller deletes a claim's Sandbox and pod after the claim; wait for that
      await until(PODS, () => pods().every(isPoolMember));
      await cluster.kubelet!.whenIdle();
      const live = new Set(pods().map((p) => p.metadata.name ?? ''));
      const alive = new Set<number>();
      for (const proc of runtime.processes()) {
        expect(live.has(proc.name), `runner of deleted pod ${proc.name} still tracked`).toBe(true);
        if (proc.pid !== undefined) alive.add(proc.pid);
      }
      // only unclaimed pool members' runners may still run
      await checkGone(alive);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      stopRecording();
      await Promise.all(providers.map((p) => p.close()));
      await cluster.stop();
      // pool members too: the cluster's kubelet stops every pod it ran
      await checkGone(new Set());
    },
  };
}
