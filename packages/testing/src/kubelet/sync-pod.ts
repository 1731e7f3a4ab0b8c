/**
 * The kubelet's `SyncPod` for a pod that starts (or restarts) its containers: the runtime starts
 * them, then the status writes a real kubelet makes (pod IP while Pending, then Running), the
 * readiness prober, and the watch on containers that end by themselves.
 */
import { PODS, type Obj } from '../controller/kube.js';
import type { KubeObject } from '../store/types.js';
import { containersOf, podKey, type KubeletContext } from './kubelet-context.js';
import { startProbing } from './prober-manager.js';
import { readinessProbes } from './readiness-probe.js';
import type { Termination } from './restart-policy.js';
import { condition, patchStatus } from './status-manager.js';

export type ContainerExitHandler = (ns: string, name: string, t: Termination) => void;

export function syncPod(
  ctx: KubeletContext,
  pod: KubeObject,
  onExit: ContainerExitHandler,
  lastState?: Map<string, Obj>,
): void {
  const { known, runtime } = ctx;
  const ns = pod.metadata.namespace ?? '';
  const name = pod.metadata.name ?? '';
  const uid = pod.metadata.uid ?? '';
  const entry = known.get(podKey(ns, name));
  if (entry === undefined || entry.uid !== uid || ctx.stopped) return;
  const restartCount = entry.restarts ?? 0;
  const abort = new AbortController();
  entry.abort = abort;
  void ctx.track(
    runtime.start(pod, abort.signal).then(
      (result) => {
        if (abort.signal.aborted || known.get(podKey(ns, name))?.uid !== uid) return;
        // A restarted container keeps its pod's IP; only a runtime that picks its own changes it.
        const ip = result.podIP ?? entry.ip ?? ctx.ips.allocate();
        if (entry.ip !== undefined && entry.ip !== ip) ctx.ips.release(entry.ip);
        entry.ip = ip;
        const started = ctx.now();
        if (restartCount === 0) writeSandboxReady(ctx, pod, ip, started);
        // With readiness probes a runtime can run, the pod is Running but not Ready until they
        // pass; without, Ready as soon as the containers have started (as on a cluster).
        const probes = runtime.probe !== undefined ? readinessProbes(pod) : [];
        writeRunning(ctx, pod, { ip, started, restartCount, probes, lastState });
        if (probes.length > 0) entry.stopProbes = startProbing(ctx, pod, probes);
        // containers that end by themselves: terminated as the kubelet writes it
        void result.exited?.then((exit) => {
          if (ctx.stopped || entry.terminated || known.get(podKey(ns, name)) !== entry) return;
          const current = ctx.store.get(PODS, ns, name);
          if (current === undefined || current.metadata.uid !== uid) return;
          onExit(ns, name, {
            ...exit,
            reason: exit.reason ?? (exit.exitCode === 0 ? 'Completed' : 'Error'),
          });
        });
      },
      (err: unknown) => {
        if (abort.signal.aborted) return;
        const message = err instanceof Error ? err.message : String(err);
        patchStatus(ctx, ns, name, uid, { phase: 'Failed', reason: 'StartError', message });
      },
    ),
  );
}

/**
 * The sandbox's network comes first: a real kubelet reports the pod IP while the pod is still
 * Pending and not Ready, in an earlier status write than Running (D4).
 */
function writeSandboxReady(ctx: KubeletContext, pod: KubeObject, ip: string, started: string) {
  const names = containersOf(pod).map((c) => c.name);
  patchStatus(
    ctx,
    pod.metadata.namespace ?? '',
    pod.metadata.name ?? '',
    pod.metadata.uid ?? '',
    startedStatus(ctx, { phase: 'Pending', ip, started, ready: false, unready: names }),
  );
}

/** What both status writes carry: the addresses, the start time and the readiness conditions. */
function startedStatus(
  ctx: KubeletContext,
  s: { phase: string; ip: string; started: string; ready: boolean; unready: readonly string[] },
): Obj {
  const { hostIP } = ctx;
  const message = `containers with unready status: [${s.unready.join(' ')}]`;
  const readiness = (type: string) =>
    s.ready
      ? condition(ctx, type, 'True')
      : condition(ctx, type, 'False', 'ContainersNotReady', message);
  return {
    phase: s.phase,
    hostIP,
    hostIPs: [{ ip: hostIP }],
    podIP: s.ip,
    podIPs: [{ ip: s.ip }],
    startTime: s.started,
    conditions: [
      condition(ctx, 'PodReadyToStartContainers', 'True'),
      condition(ctx, 'Initialized', 'True'),
      readiness('Ready'),
      readiness('ContainersReady'),
      condition(ctx, 'PodScheduled', 'True'),
    ],
  };
}

function writeRunning(
  ctx: KubeletContext,
  pod: KubeObject,
  run: {
    ip: string;
    started: string;
    restartCount: number;
    probes: { container: string }[];
    lastState: Map<string, Obj> | undefined;
  },
): void {
  const { ip, started, restartCount, probes, lastState } = run;
  const uid = pod.metadata.uid ?? '';
  const unready = probes.map((p) => p.container);
  patchStatus(ctx, pod.metadata.namespace ?? '', pod.metadata.name ?? '', uid, {
    ...startedStatus(ctx, { phase: 'Running', ip, started, ready: unready.length === 0, unready }),
    containerStatuses: containersOf(pod).map((c) => ({
      name: c.name,
      image: c.image,
      imageID: `${c.image}@sha256:${'0'.repeat(64)}`,
      containerID: `containerd://${uid.replace(/-/g, '')}${c.name}`,
      ready: !probes.some((p) => p.container === c.name),
      started: true,
      restartCount,
      ...(lastState?.has(c.name) === true ? { lastState: lastState.get(c.name) } : {}),
      state: { running: { startedAt: started } },
    })),
  });
}
