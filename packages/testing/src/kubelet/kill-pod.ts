/**
 * The kubelet's `killPod` and pod cleanup: graceful termination of a pod with a
 * `deletionTimestamp`, and what is freed once the pod object is gone.
 */
import { PODS } from '../controller/kube.js';
import type { KubeObject } from '../store/types.js';
import { matchesAny, podKey, type KubeletContext } from './kubelet-context.js';

/**
 * Graceful termination: SIGTERM, SIGKILL once `deletionGracePeriodSeconds` of cluster time have
 * passed, then the final DELETE with grace 0. Until then the pod's status is left as it was, Ready
 * condition and IPs included: the endpoints controller, not the kubelet, takes a terminating pod
 * out of service.
 */
export function killPod(ctx: KubeletContext, pod: KubeObject): void {
  const { known, runtime, timers, clock } = ctx;
  const ns = pod.metadata.namespace ?? '';
  const name = pod.metadata.name ?? '';
  const uid = pod.metadata.uid ?? '';
  const k = podKey(ns, name);
  let entry = known.get(k);
  if (entry === undefined || entry.uid !== uid) {
    entry = { uid };
    known.set(k, entry);
  }
  const graceMs = Math.max(0, (pod.metadata.deletionGracePeriodSeconds ?? 0) * 1000);
  if (entry.termination !== undefined) {
    // a second DELETE may shorten the grace period: kill sooner
    entry.termination.shorten(graceMs);
    return;
  }
  entry.cancel?.();
  delete entry.cancel;
  // probing stops with the termination: the last Ready the kubelet wrote stays (D6)
  entry.stopProbes?.();
  entry.abort?.abort();
  entry.terminated = true;
  const current = entry;
  let done = false;
  let killTimer: (() => void) | undefined;
  const finish = (killed: boolean): void => {
    if (done) return;
    done = true;
    killTimer?.();
    void ctx.track(
      (async () => {
        // SIGKILL at the end of the grace period: whatever still runs is ended now
        if (killed) await runtime.stop(pod, { graceMs: 0 }).catch(() => undefined);
        current.stopped = true;
        if (ctx.stopped || known.get(k) !== current) return;
        try {
          ctx.store.delete(PODS, ns, name, { gracePeriodSeconds: 0, preconditions: { uid } });
        } catch {
          // already gone or replaced
        }
      })(),
    );
  };
  const arm = (ms: number): void => {
    killTimer?.();
    killTimer = timers.schedule(ms, () => finish(true));
  };
  const started = clock.now();
  entry.termination = {
    shorten(ms) {
      if (done) return;
      const left = Math.max(0, started + ms - clock.now());
      arm(left);
    },
  };
  arm(graceMs);
  if (!matchesAny(ctx.sigtermIgnored, pod)) {
    void ctx.track(
      runtime.stop(pod, { graceMs }).then(
        () => finish(false),
        () => finish(true),
      ),
    );
  }
}

/** The pod object is gone: timers, probes and start stop, its IP and containers are freed. */
export function forgetPod(ctx: KubeletContext, pod: KubeObject): void {
  const { known, runtime } = ctx;
  const k = podKey(pod.metadata.namespace, pod.metadata.name);
  const entry = known.get(k);
  if (entry === undefined || entry.uid !== pod.metadata.uid) return;
  known.delete(k);
  entry.cancel?.();
  entry.stopProbes?.();
  entry.abort?.abort();
  ctx.ips.release(entry.ip);
  if (runtime.remove !== undefined) void ctx.track(runtime.remove(pod).catch(() => undefined));
  else if (entry.stopped !== true) void ctx.track(runtime.stop(pod).catch(() => undefined));
}
