/**
 * A simulated kubelet (plus scheduler): every pod in the store is "scheduled" at once and
 * becomes Running and Ready after `startDelayMs` of cluster time, with a unique pod IP, and the
 * pod status looks as a real kubelet writes it. Tests can make pods succeed, fail, flip
 * readiness or stay unschedulable.
 */
import { formatKubeTime, systemClock, type Clock } from '../clock.js';
import { createTimers } from '../controller/timers.js';
import { PODS, isNotFound, isObj, str, type Obj } from '../controller/kube.js';
import type { KubeObject, ObjectStore } from '../store/types.js';
import { PodIpAllocator } from './ip-allocator.js';
import { backOffMs, crashLoopStatus, restartsAfter, type Termination } from './restart-policy.js';
import { probeTimings, readinessProbes } from './readiness-probe.js';
import { createSimulatedRuntime, type PodRuntime } from './runtime.js';

export type { ContainerExit, PodRuntime, PodStartResult, StopOptions } from './runtime.js';
export { createSimulatedRuntime } from './runtime.js';

export interface KubeletOptions {
  clock?: Clock;
  /** Cluster-time delay between a pod's creation and Running+Ready (default 5; 0 allowed). */
  startDelayMs?: number;
  /** What runs pods; the default only simulates. */
  runtime?: PodRuntime;
  /** `spec.nodeName` and `status.hostIP` of every pod (default `corral-node-0`, `192.168.0.2`). */
  nodeName?: string;
  hostIP?: string;
}

export interface PodTermination {
  exitCode?: number;
  reason?: string;
  message?: string;
}

export type PodMatcher = string | ((pod: KubeObject) => boolean);

export interface Kubelet {
  /**
   * The pod's containers exit with `exitCode` (default 0). Under `restartPolicy: Never` (or
   * `OnFailure` with exit 0) the pod becomes Succeeded/Failed; otherwise (the API server's
   * default `Always`) the kubelet restarts them with back-off and counts `restartCount`.
   */
  succeedPod(namespace: string, name: string, exitCode?: number): void;
  /** The pod's containers fail (default exit code 1, reason Error); `restartPolicy` as above. */
  failPod(namespace: string, name: string, termination?: PodTermination): void;
  /** Flips the pod's readiness (Ready and ContainersReady conditions, container `ready`). */
  setPodReady(namespace: string, name: string, ready: boolean): void;
  /** Keeps matching pods Pending with `PodScheduled=False/Unschedulable` until unblocked. */
  blockStart(namespace: string, match: PodMatcher): () => void;
  /**
   * The containers of matching pods ignore SIGTERM: a deleted one is killed only when its grace
   * period (`terminationGracePeriodSeconds`, or the DELETE's `gracePeriodSeconds`) has passed.
   */
  ignoreSigterm(namespace: string, match: PodMatcher): () => void;
  /** Resolves once no pod start or stop is in flight (scheduled starts on a manual clock excepted). */
  whenIdle(): Promise<void>;
  readonly runtime: PodRuntime;
  stop(): Promise<void>;
}

interface Block {
  namespace: string;
  match: PodMatcher;
}

const UNSCHEDULABLE_MESSAGE =
  '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.';

function podKey(ns: string | undefined, name: string | undefined): string {
  return `${ns ?? ''}/${name ?? ''}`;
}

function containersOf(pod: KubeObject): { name: string; image: string }[] {
  const spec = isObj(pod.spec) ? pod.spec : {};
  const list = Array.isArray(spec.containers) ? spec.containers : [];
  return list.filter(isObj).map((c) => ({ name: str(c.name), image: str(c.image) }));
}

export function startKubelet(store: ObjectStore, options: KubeletOptions = {}): Kubelet {
  const clock = options.clock ?? systemClock;
  const timers = createTimers(clock);
  const runtime = options.runtime ?? createSimulatedRuntime();
  const startDelayMs = options.startDelayMs ?? 5;
  const nodeName = options.nodeName ?? 'corral-node-0';
  const hostIP = options.hostIP ?? '192.168.0.2';
  const ips = new PodIpAllocator();
  const known = new Map<
    string,
    {
      uid: string;
      ip?: string;
      cancel?: () => void;
      abort?: AbortController;
      terminated?: boolean;
      /** Container restarts so far (`restartCount`). */
      restarts?: number;
      /** Stops the readiness prober. */
      stopProbes?: () => void;
      /** The containers were stopped by a graceful termination. */
      stopped?: boolean;
      /** Graceful termination under way. */
      termination?: { shorten(graceMs: number): void };
    }
  >();
  const blocks = new Set<Block>();
  const sigtermIgnored = new Set<Block>();
  let inFlight = 0;
  let idleWaiters: (() => void)[] = [];
  let stopped = false;

  const track = <T>(promise: Promise<T>): Promise<T> => {
    inFlight++;
    return promise.finally(() => {
      inFlight--;
      if (inFlight === 0) {
        const waiters = idleWaiters;
        idleWaiters = [];
        for (const resolve of waiters) resolve();
      }
    });
  };

  const now = (): string => formatKubeTime(clock.now());

  const patchStatus = (ns: string, name: string, uid: string, status: Obj): void => {
    const current = store.get(PODS, ns, name);
    if (current === undefined || current.metadata.uid !== uid) return;
    try {
      store.patch(PODS, ns, name, { status }, 'merge', {
        subresource: 'status',
        fieldManager: 'kubelet',
      });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  };

  const isBlocked = (pod: KubeObject): boolean =>
    [...blocks].some(
      (b) =>
        b.namespace === pod.metadata.namespace &&
        (typeof b.match === 'string' ? b.match === pod.metadata.name : b.match(pod)),
    );

  const condition = (
    type: string,
    status: 'True' | 'False',
    reason?: string,
    message?: string,
  ): Obj => {
    const c: Obj = { type, status, lastProbeTime: null, lastTransitionTime: now() };
    if (reason !== undefined) c.reason = reason;
    if (message !== undefined) c.message = message;
    return c;
  };

  const markUnschedulable = (pod: KubeObject): void => {
    patchStatus(pod.metadata.namespace ?? '', pod.metadata.name ?? '', pod.metadata.uid ?? '', {
      phase: 'Pending',
      conditions: [condition('PodScheduled', 'False', 'Unschedulable', UNSCHEDULABLE_MESSAGE)],
    });
  };

  const writeReady = (ns: string, name: string, uid: string, ready: boolean): void => {
    const pod = store.get(PODS, ns, name);
    if (pod === undefined || pod.metadata.uid !== uid) return;
    const status = isObj(pod.status) ? pod.status : {};
    const containers = containersOf(pod).map((c) => c.name);
    const reason = ready ? undefined : 'ContainersNotReady';
    const message = ready ? undefined : `containers with unready status: [${containers.join(' ')}]`;
    const conditions = (Array.isArray(status.conditions) ? (status.conditions as Obj[]) : []).map(
      (c) =>
        c.type === 'Ready' || c.type === 'ContainersReady'
          ? condition(String(c.type), ready ? 'True' : 'False', reason, message)
          : c,
    );
    const containerStatuses = (
      Array.isArray(status.containerStatuses) ? (status.containerStatuses as Obj[]) : []
    ).map((c) => ({ ...c, ready }));
    patchStatus(ns, name, uid, { conditions, containerStatuses });
  };

  /**
   * The prober: each container's readiness probe runs every `periodSeconds` of cluster time (a
   * simulation of the kubelet's own periodic prober, not a wait), and the pod's Ready condition
   * follows `successThreshold` / `failureThreshold`. Returns a function that stops it.
   */
  const startProbing = (
    pod: KubeObject,
    probes: { container: string; probe: Record<string, unknown> }[],
  ): (() => void) => {
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
            writeReady(ns, name, uid, ready);
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
  };

  const startPod = (pod: KubeObject, lastState?: Map<string, Obj>): void => {
    const ns = pod.metadata.namespace ?? '';
    const name = pod.metadata.name ?? '';
    const uid = pod.metadata.uid ?? '';
    const entry = known.get(podKey(ns, name));
    if (entry === undefined || entry.uid !== uid || stopped) return;
    const restartCount = entry.restarts ?? 0;
    const abort = new AbortController();
    entry.abort = abort;
    void track(
      runtime.start(pod, abort.signal).then(
        (result) => {
          if (abort.signal.aborted || known.get(podKey(ns, name))?.uid !== uid) return;
          // A restarted container keeps its pod's IP; only a runtime that picks its own changes it.
          const ip = result.podIP ?? entry.ip ?? ips.allocate();
          if (entry.ip !== undefined && entry.ip !== ip) ips.release(entry.ip);
          entry.ip = ip;
          const started = now();
          if (restartCount === 0) {
            // The sandbox's network comes first: a real kubelet reports the pod IP while the pod
            // is still Pending and not Ready, in an earlier status write than Running (D4).
            const unready = `containers with unready status: [${containersOf(pod)
              .map((c) => c.name)
              .join(' ')}]`;
            patchStatus(ns, name, uid, {
              phase: 'Pending',
              hostIP,
              hostIPs: [{ ip: hostIP }],
              podIP: ip,
              podIPs: [{ ip }],
              startTime: started,
              conditions: [
                condition('PodReadyToStartContainers', 'True'),
                condition('Initialized', 'True'),
                condition('Ready', 'False', 'ContainersNotReady', unready),
                condition('ContainersReady', 'False', 'ContainersNotReady', unready),
                condition('PodScheduled', 'True'),
              ],
            });
          }
          // With readiness probes a runtime can run, the pod is Running but not Ready until they
          // pass; without, Ready as soon as the containers have started (as on a cluster).
          const probes = runtime.probe !== undefined ? readinessProbes(pod) : [];
          const ready = probes.length === 0;
          const unreadyMessage = `containers with unready status: [${probes
            .map((p) => p.container)
            .join(' ')}]`;
          patchStatus(ns, name, uid, {
            phase: 'Running',
            hostIP,
            hostIPs: [{ ip: hostIP }],
            podIP: ip,
            podIPs: [{ ip }],
            startTime: started,
            conditions: [
              condition('PodReadyToStartContainers', 'True'),
              condition('Initialized', 'True'),
              ready
                ? condition('Ready', 'True')
                : condition('Ready', 'False', 'ContainersNotReady', unreadyMessage),
              ready
                ? condition('ContainersReady', 'True')
                : condition('ContainersReady', 'False', 'ContainersNotReady', unreadyMessage),
              condition('PodScheduled', 'True'),
            ],
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
          if (!ready) entry.stopProbes = startProbing(pod, probes);
          // containers that end by themselves: terminated as the kubelet writes it
          void result.exited?.then((exit) => {
            if (stopped || entry.terminated || known.get(podKey(ns, name)) !== entry) return;
            const current = store.get(PODS, ns, name);
            if (current === undefined || current.metadata.uid !== uid) return;
            containerExited(ns, name, {
              ...exit,
              reason: exit.reason ?? (exit.exitCode === 0 ? 'Completed' : 'Error'),
            });
          });
        },
        (err: unknown) => {
          if (abort.signal.aborted) return;
          const message = err instanceof Error ? err.message : String(err);
          patchStatus(ns, name, uid, {
            phase: 'Failed',
            reason: 'StartError',
            message,
          });
        },
      ),
    );
  };

  const schedulePod = (pod: KubeObject): void => {
    const k = podKey(pod.metadata.namespace, pod.metadata.name);
    const existing = known.get(k);
    if (existing !== undefined && existing.uid === pod.metadata.uid) return;
    const status = isObj(pod.status) ? pod.status : {};
    if (status.phase === 'Succeeded' || status.phase === 'Failed' || status.phase === 'Running') {
      known.set(k, { uid: pod.metadata.uid ?? '' });
      return;
    }
    const entry: { uid: string; cancel?: () => void } = { uid: pod.metadata.uid ?? '' };
    known.set(k, entry);
    if (isBlocked(pod)) {
      markUnschedulable(pod);
      return;
    }
    // The scheduler's binding: spec.nodeName, then PodScheduled=True.
    try {
      store.patch(
        PODS,
        pod.metadata.namespace,
        pod.metadata.name ?? '',
        { spec: { nodeName } },
        'merge',
        { fieldManager: 'kube-scheduler' },
      );
    } catch {
      // a store that refuses spec edits on pods just gets no nodeName
    }
    patchStatus(pod.metadata.namespace ?? '', pod.metadata.name ?? '', pod.metadata.uid ?? '', {
      phase: 'Pending',
      conditions: [condition('PodScheduled', 'True')],
    });
    entry.cancel = timers.schedule(startDelayMs, () =>
      startPod(store.get(PODS, pod.metadata.namespace, pod.metadata.name ?? '') ?? pod),
    );
  };

  const forget = (pod: KubeObject): void => {
    const k = podKey(pod.metadata.namespace, pod.metadata.name);
    const entry = known.get(k);
    if (entry === undefined || entry.uid !== pod.metadata.uid) return;
    known.delete(k);
    entry.cancel?.();
    entry.stopProbes?.();
    entry.abort?.abort();
    ips.release(entry.ip);
    if (runtime.remove !== undefined) void track(runtime.remove(pod).catch(() => undefined));
    else if (entry.stopped !== true) void track(runtime.stop(pod).catch(() => undefined));
  };

  const ignoresSigterm = (pod: KubeObject): boolean =>
    [...sigtermIgnored].some(
      (b) =>
        b.namespace === pod.metadata.namespace &&
        (typeof b.match === 'string' ? b.match === pod.metadata.name : b.match(pod)),
    );

  /**
   * Graceful termination (`killPod`): SIGTERM, SIGKILL once `deletionGracePeriodSeconds` of
   * cluster time have passed, then the final DELETE with grace 0. Until then the pod's status is
   * left as it was, Ready condition and IPs included: the endpoints controller, not the kubelet,
   * takes a terminating pod out of service.
   */
  const terminatePod = (pod: KubeObject): void => {
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
      void track(
        (async () => {
          // SIGKILL at the end of the grace period: whatever still runs is ended now
          if (killed) await runtime.stop(pod, { graceMs: 0 }).catch(() => undefined);
          current.stopped = true;
          if (stopped || known.get(k) !== current) return;
          try {
            store.delete(PODS, ns, name, { gracePeriodSeconds: 0, preconditions: { uid } });
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
    if (!ignoresSigterm(pod)) {
      void track(
        runtime.stop(pod, { graceMs }).then(
          () => finish(false),
          () => finish(true),
        ),
      );
    }
  };

  const unwatch = store.watch(PODS, {}, (event) => {
    const pod = event.object;
    if (event.type === 'DELETED') {
      forget(pod);
      return;
    }
    if (pod.metadata.deletionTimestamp !== undefined) {
      terminatePod(pod);
      return;
    }
    if (event.type === 'ADDED') {
      // Never write from inside the store's synchronous watch callback.
      void track(
        new Promise<void>((resolve) =>
          setImmediate(() => {
            const latest = store.get(PODS, pod.metadata.namespace, pod.metadata.name ?? '');
            if (!stopped && latest !== undefined && latest.metadata.uid === pod.metadata.uid)
              schedulePod(latest);
            resolve();
          }),
        ),
      );
    }
  });

  const requirePod = (ns: string, name: string): KubeObject => {
    const pod = store.get(PODS, ns, name);
    if (pod === undefined) throw new Error(`simulated kubelet: pod ${ns}/${name} not found`);
    return pod;
  };

  const terminate = (
    ns: string,
    name: string,
    phase: 'Succeeded' | 'Failed',
    t: Termination,
  ): void => {
    const pod = requirePod(ns, name);
    const status = isObj(pod.status) ? pod.status : {};
    const previous = Array.isArray(status.containerStatuses)
      ? (status.containerStatuses as Obj[])
      : [];
    const finished = now();
    const uid = pod.metadata.uid ?? '';
    const entry = known.get(podKey(ns, name));
    entry?.cancel?.();
    entry?.stopProbes?.();
    entry?.abort?.abort();
    if (entry !== undefined) entry.terminated = true;
    const notReady = phase === 'Succeeded' ? 'PodCompleted' : 'PodFailed';
    patchStatus(ns, name, uid, {
      phase,
      conditions: [
        condition('PodReadyToStartContainers', 'False'),
        condition('Initialized', 'True', phase === 'Succeeded' ? 'PodCompleted' : undefined),
        condition('Ready', 'False', notReady),
        condition('ContainersReady', 'False', notReady),
        condition('PodScheduled', 'True'),
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
    void track(runtime.stop(pod).catch(() => undefined));
  };

  /**
   * A container ended: under `restartPolicy: Never` (or `OnFailure` with exit 0) the pod is
   * terminal; otherwise the kubelet restarts it, the first time at once and then after a
   * CrashLoopBackOff (10 s doubling to 5 min), counting `restartCount`.
   */
  const containerExited = (ns: string, name: string, t: Termination): void => {
    const pod = requirePod(ns, name);
    if (!restartsAfter(pod, t.exitCode)) {
      terminate(ns, name, t.exitCode === 0 ? 'Succeeded' : 'Failed', t);
      return;
    }
    restartContainers(pod, t);
  };

  const restartContainers = (pod: KubeObject, t: Termination): void => {
    const ns = pod.metadata.namespace ?? '';
    const name = pod.metadata.name ?? '';
    const uid = pod.metadata.uid ?? '';
    const entry = known.get(podKey(ns, name));
    if (entry === undefined || entry.uid !== uid) return;
    entry.cancel?.();
    entry.stopProbes?.();
    entry.abort?.abort();
    const restarts = entry.restarts ?? 0;
    const delayMs = backOffMs(restarts);
    const { patch, lastState } = crashLoopStatus(pod, t, restarts, delayMs, now());
    patchStatus(ns, name, uid, patch);
    void track(runtime.stop(pod).catch(() => undefined));
    entry.restarts = restarts + 1;
    entry.cancel = timers.schedule(delayMs, () => {
      const latest = store.get(PODS, ns, name);
      if (latest === undefined || latest.metadata.uid !== uid) return;
      if (latest.metadata.deletionTimestamp !== undefined) return;
      startPod(latest, lastState);
    });
  };

  return {
    runtime,
    succeedPod(ns, name, exitCode = 0) {
      containerExited(ns, name, { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error' });
    },
    failPod(ns, name, termination = {}) {
      containerExited(ns, name, {
        ...termination,
        exitCode: termination.exitCode ?? 1,
        reason: termination.reason ?? 'Error',
      });
    },
    setPodReady(ns, name, ready) {
      writeReady(ns, name, requirePod(ns, name).metadata.uid ?? '', ready);
    },
    blockStart(namespace, match) {
      const block: Block = { namespace, match };
      blocks.add(block);
      for (const pod of store.list(PODS, { namespace }).items) {
        const status = isObj(pod.status) ? pod.status : {};
        if (status.phase !== 'Pending' && status.phase !== undefined) continue;
        if (!isBlocked(pod)) continue;
        const entry = known.get(podKey(namespace, pod.metadata.name));
        entry?.cancel?.();
        markUnschedulable(pod);
      }
      return () => {
        blocks.delete(block);
        for (const pod of store.list(PODS, { namespace }).items) {
          const status = isObj(pod.status) ? pod.status : {};
          if (status.phase !== 'Pending' || isBlocked(pod)) continue;
          known.delete(podKey(namespace, pod.metadata.name));
          schedulePod(pod);
        }
      };
    },
    ignoreSigterm(namespace, match) {
      const rule: Block = { namespace, match };
      sigtermIgnored.add(rule);
      return () => {
        sigtermIgnored.delete(rule);
      };
    },
    whenIdle() {
      if (inFlight === 0) return new Promise((resolve) => setImmediate(resolve));
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    async stop() {
      stopped = true;
      unwatch();
      timers.dispose();
      for (const entry of known.values()) {
        entry.cancel?.();
        entry.stopProbes?.();
        entry.abort?.abort();
      }
      known.clear();
      // pod processes must not outlive the kubelet
      await runtime.close?.();
    },
  };
}
