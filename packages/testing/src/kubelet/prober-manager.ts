/**
 * The kubelet's prober manager: each container's readiness probe runs every `periodSeconds` of
 * cluster time (a simulation of the kubelet's own periodic prober, not a wait), and the pod's
 * Ready condition follows `successThreshold` / `failureThreshold`.
 */
import { PODS } from '../controller/kube.js';
import type { KubeObject } from '../store/types.js';
import type { KubeletContext } from './kubelet-context.js';
import { probeTimings } from './readiness-probe.js';
import { writeReady } from './status-manager.js';

/** Starts probing `pod`; returns a function that stops it. */
export function startProbing(
  ctx: KubeletContext,
  pod: KubeObject,
  probes: { container: string; probe: Record<string, unknown> }[],
): () => void {
  const { store, runtime, timers } = ctx;
  const ns = pod.metadata.namespace ?? '';
  const name = pod.metadata.name ?? '';
  const uid = pod.metadata.uid ?? '';
  let cancelled = false;
  const cancels = new Set<() => void>();
  let lastReady = false;
  const states = probes.map((p) => ({
    ...p,
    timings: probeTimings(p.probe),
    ok: false,
    successes: 0,
    failures: 0,
  }));
  const run = (state: (typeof states)[number]): void => {
    if (cancelled) return;
    const latest = store.get(PODS, ns, name);
    if (latest === undefined || latest.metadata.uid !== uid) return;
    void runtime.probe!(latest, state.container, state.probe, state.timings.timeoutMs)
      .catch(() => false)
      .then((result) => {
        if (cancelled) return;
        if (result !== false) {
          state.failures = 0;
          state.successes++;
          if (state.successes >= state.timings.successThreshold) state.ok = true;
        } else {
          state.successes = 0;
          state.failures++;
          if (state.failures >= state.timings.failureThreshold) state.ok = false;
        }
        const ready = states.every((x) => x.ok);
        if (ready !== lastReady) {
          lastReady = ready;
          writeReady(ctx, ns, name, uid, ready);
        }
        const next = timers.schedule(state.timings.periodMs, () => {
          cancels.delete(next);
          run(state);
        });
        cancels.add(next);
      });
  };
  for (const state of states) {
    const first = timers.schedule(state.timings.initialDelayMs, () => {
      cancels.delete(first);
      run(state);
    });
    cancels.add(first);
  }
  return () => {
    cancelled = true;
    for (const cancel of cancels) cancel();
    cancels.clear();
  };
}
