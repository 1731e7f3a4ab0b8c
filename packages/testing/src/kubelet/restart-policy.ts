/**
 * The kubelet's `restartPolicy` handling (`pkg/kubelet/kuberuntime`, `pkg/kubelet/kubelet.go`):
 * which exits restart a container, the CrashLoopBackOff delay, and the pod status written while
 * a container waits to restart (`lastState.terminated`, `state.waiting`, not Ready).
 */
import { formatKubeTime } from '../clock.js';
import { isObj, str, type Obj } from '../controller/kube.js';
import type { KubeObject } from '../store/types.js';

export interface Termination {
  exitCode: number;
  reason: string;
  message?: string;
}

/** The kubelet's container back-off: 10 s initial, doubling, 300 s cap. */
export const BACKOFF_INITIAL_MS = 10_000;
export const BACKOFF_MAX_MS = 300_000;

/** Whether the kubelet restarts a container that exited with `exitCode` (default policy `Always`). */
export function restartsAfter(pod: KubeObject, exitCode: number): boolean {
  const spec = isObj(pod.spec) ? pod.spec : {};
  const policy = typeof spec.restartPolicy === 'string' ? spec.restartPolicy : 'Always';
  return policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
}

/** The first restart is immediate; later ones wait 10 s, 20 s, … up to 5 min. */
export function backOffMs(restartsSoFar: number): number {
  if (restartsSoFar === 0) return 0;
  return Math.min(BACKOFF_INITIAL_MS * 2 ** (restartsSoFar - 1), BACKOFF_MAX_MS);
}

function condition(type: string, status: string, reason: string, message: string, at: string): Obj {
  return { type, status, reason, message, lastProbeTime: null, lastTransitionTime: at };
}

/** The status patch for containers that exited and wait to restart, and their `lastState`s. */
export function crashLoopStatus(
  pod: KubeObject,
  t: Termination,
  restartsSoFar: number,
  delayMs: number,
  at: string = formatKubeTime(Date.now()),
): { patch: Obj; lastState: Map<string, Obj> } {
  const ns = pod.metadata.namespace ?? '';
  const name = pod.metadata.name ?? '';
  const uid = pod.metadata.uid ?? '';
  const status = isObj(pod.status) ? pod.status : {};
  const previous = Array.isArray(status.containerStatuses)
    ? (status.containerStatuses as Obj[])
    : [];
  const spec = isObj(pod.spec) ? pod.spec : {};
  const containers = (Array.isArray(spec.containers) ? spec.containers : [])
    .filter(isObj)
    .map((c) => str(c.name));
  const lastState = new Map<string, Obj>();
  for (const c of containers) {
    const prev = previous.find((p) => p.name === c) ?? {};
    const running = isObj(prev.state) && isObj(prev.state.running) ? prev.state.running : {};
    const terminated: Obj = {
      exitCode: t.exitCode,
      reason: t.reason,
      startedAt: running.startedAt ?? at,
      finishedAt: at,
      containerID: prev.containerID ?? `containerd://${uid.replace(/-/g, '')}${c}`,
    };
    if (t.message !== undefined) terminated.message = t.message;
    lastState.set(c, { terminated });
  }
  const unready = `containers with unready status: [${containers.join(' ')}]`;
  const conditions = (Array.isArray(status.conditions) ? (status.conditions as Obj[]) : []).map(
    (c) =>
      c.type === 'Ready' || c.type === 'ContainersReady'
        ? condition(String(c.type), 'False', 'ContainersNotReady', unready, at)
        : c,
  );
  const containerStatuses = containers.map((c) => ({
    ...(previous.find((p) => p.name === c) ?? {}),
    name: c,
    ready: false,
    started: false,
    restartCount: restartsSoFar,
    lastState: lastState.get(c),
    state: {
      waiting: {
        reason: 'CrashLoopBackOff',
        message: `back-off ${Math.round(delayMs / 1000)}s restarting failed container=${c} pod=${name}_${ns}(${uid})`,
      },
    },
  }));
  return { patch: { conditions, containerStatuses }, lastState };
}
