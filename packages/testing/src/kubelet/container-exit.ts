/**
 * What the kubelet does when a container ends: under `restartPolicy: Never` (or `OnFailure` with
 * exit 0) the pod becomes terminal; otherwise the container restarts, the first time at once and
 * then after a CrashLoopBackOff (10 s doubling to 5 min), counting `restartCount`.
 */
import { PODS, isObj, type Obj } from '../controller/kube.js';
import type { KubeObject } from '../store/types.js';
import { containersOf, podKey, requirePod, type KubeletContext } from './kubelet-context.js';
import { backOffMs, crashLoopStatus, restartsAfter, type Termination } from './restart-policy.js';
import { condition, patchStatus } from './status-manager.js';
import { syncPod } from './sync-pod.js';

/** Starts the pod's containers, with their exits handled here. */
export function runPod(ctx: KubeletContext, pod: KubeObject, lastState?: Map<string, Obj>): void {
  syncPod(ctx, pod, (ns, name, t) => containerExited(ctx, ns, name, t), lastState);
}

export function containerExited(
  ctx: KubeletContext,
  ns: string,
  name: string,
  t: Termination,
): void {
  const pod = requirePod(ctx, ns, name);
  if (!restartsAfter(pod, t.exitCode)) {
    completePod(ctx, ns, name, t.exitCode === 0 ? 'Succeeded' : 'Failed', t);
    return;
  }
  restartContainers(ctx, pod, t);
}

/** The back-off: `state.waiting` now, the restart after the CrashLoopBackOff delay. */
function restartContainers(ctx: KubeletContext, pod: KubeObject, t: Termination): void {
  const ns = pod.metadata.namespace ?? '';
  const name = pod.metadata.name ?? '';
  const uid = pod.metadata.uid ?? '';
  const entry = ctx.known.get(podKey(ns, name));
  if (entry === undefined || entry.uid !== uid) return;
  entry.cancel?.();
  entry.stopProbes?.();
  entry.abort?.abort();
  const restarts = entry.restarts ?? 0;
  const delayMs = backOffMs(restarts);
  const { patch, lastState } = crashLoopStatus(pod, t, restarts, delayMs, ctx.now());
  patchStatus(ctx, ns, name, uid, patch);
  void ctx.track(ctx.runtime.stop(pod).catch(() => undefined));
  entry.restarts = restarts + 1;
  entry.cancel = ctx.timers.schedule(delayMs, () => {
    const latest = ctx.store.get(PODS, ns, name);
    if (latest === undefined || latest.metadata.uid !== uid) return;
    if (latest.metadata.deletionTimestamp !== undefined) return;
    runPod(ctx, latest, lastState);
  });
}

/** The terminal phase, with every container's `state.terminated`. */
function completePod(
  ctx: KubeletContext,
  ns: string,
  name: string,
  phase: 'Succeeded' | 'Failed',
  t: Termination,
): void {
  const pod = requirePod(ctx, ns, name);
  const status = isObj(pod.status) ? pod.status : {};
  const previous = Array.isArray(status.containerStatuses)
    ? (status.containerStatuses as Obj[])
    : [];
  const finished = ctx.now();
  const uid = pod.metadata.uid ?? '';
  const entry = ctx.known.get(podKey(ns, name));
  entry?.cancel?.();
  entry?.stopProbes?.();
  entry?.abort?.abort();
  if (entry !== undefined) entry.terminated = true;
  const notReady = phase === 'Succeeded' ? 'PodCompleted' : 'PodFailed';
  patchStatus(ctx, ns, name, uid, {
    phase,
    conditions: [
      condition(ctx, 'PodReadyToStartContainers', 'False'),
      condition(ctx, 'Initialized', 'True', phase === 'Succeeded' ? 'PodCompleted' : undefined),
      condition(ctx, 'Ready', 'False', notReady),
      condition(ctx, 'ContainersReady', 'False', notReady),
      condition(ctx, 'PodScheduled', 'True'),
    ],
    containerStatuses: containersOf(pod).map((c) => {
      const prev = previous.find((p) => p.name === c.name) ?? {};
      const running = isObj(prev.state) && isObj(prev.state.running) ? prev.state.running : {};
      const terminated: Obj = {
        exitCode: t.exitCode,
        reason: t.reason,
        startedAt: running.startedAt ?? finished,
        finishedAt: finished,
        containerID: prev.containerID ?? `containerd://${uid.replace(/-/g, '')}${c.name}`,
      };
      if (t.message !== undefined) terminated.message = t.message;
      return {
        ...prev,
        name: c.name,
        image: c.image,
        ready: false,
        started: false,
        restartCount: entry?.restarts ?? 0,
        state: { terminated },
      };
    }),
  });
  void ctx.track(ctx.runtime.stop(pod).catch(() => undefined));
}
