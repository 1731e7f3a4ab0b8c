/**
 * A simulated kubelet (plus scheduler): every pod in the store is "scheduled" at once and
 * becomes Running and Ready after `startDelayMs` of cluster time, with a unique pod IP, and the
 * pod status looks as a real kubelet writes it. Tests can make pods succeed, fail, flip
 * readiness or stay unschedulable.
 */
import { formatKubeTime, systemClock, type Clock } from '../clock.js';
import { createTimers } from '../controller/timers.js';
import { PODS } from '../controller/kube.js';
import type { ObjectStore } from '../store/types.js';
import { containerExited } from './container-exit.js';
import { PodIpAllocator } from './ip-allocator.js';
import { forgetPod, killPod } from './kill-pod.js';
import { requirePod, type Block, type KubeletContext, type PodMatcher } from './kubelet-context.js';
import { createSimulatedRuntime, type PodRuntime } from './runtime.js';
import { blockStart, schedulePod } from './scheduler.js';
import { writeReady } from './status-manager.js';

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

export type { PodMatcher } from './kubelet-context.js';

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

export function startKubelet(store: ObjectStore, options: KubeletOptions = {}): Kubelet {
  const clock = options.clock ?? systemClock;
  let inFlight = 0;
  let idleWaiters: (() => void)[] = [];
  const ctx: KubeletContext = {
    store,
    clock,
    timers: createTimers(clock),
    runtime: options.runtime ?? createSimulatedRuntime(),
    startDelayMs: options.startDelayMs ?? 5,
    nodeName: options.nodeName ?? 'corral-node-0',
    hostIP: options.hostIP ?? '192.168.0.2',
    ips: new PodIpAllocator(),
    known: new Map(),
    blocks: new Set(),
    sigtermIgnored: new Set(),
    stopped: false,
    track: (promise) => {
      inFlight++;
      return promise.finally(() => {
        inFlight--;
        if (inFlight === 0) {
          const waiters = idleWaiters;
          idleWaiters = [];
          for (const resolve of waiters) resolve();
        }
      });
    },
    now: () => formatKubeTime(clock.now()),
  };
  const { runtime, known } = ctx;

  const unwatch = store.watch(PODS, {}, (event) => {
    const pod = event.object;
    if (event.type === 'DELETED') {
      forgetPod(ctx, pod);
      return;
    }
    if (pod.metadata.deletionTimestamp !== undefined) {
      killPod(ctx, pod);
      return;
    }
    if (event.type === 'ADDED') {
      // Never write from inside the store's synchronous watch callback.
      void ctx.track(
        new Promise<void>((resolve) =>
          setImmediate(() => {
            const latest = store.get(PODS, pod.metadata.namespace, pod.metadata.name ?? '');
            if (!ctx.stopped && latest !== undefined && latest.metadata.uid === pod.metadata.uid)
              schedulePod(ctx, latest);
            resolve();
          }),
        ),
      );
    }
  });

  return {
    runtime,
    succeedPod(ns, name, exitCode = 0) {
      containerExited(ctx, ns, name, { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error' });
    },
    failPod(ns, name, termination = {}) {
      containerExited(ctx, ns, name, {
        ...termination,
        exitCode: termination.exitCode ?? 1,
        reason: termination.reason ?? 'Error',
      });
    },
    setPodReady(ns, name, ready) {
      writeReady(ctx, ns, name, requirePod(ctx, ns, name).metadata.uid ?? '', ready);
    },
    blockStart(namespace, match) {
      return blockStart(ctx, namespace, match);
    },
    ignoreSigterm(namespace, match) {
      const rule: Block = { namespace, match };
      ctx.sigtermIgnored.add(rule);
      return () => {
        ctx.sigtermIgnored.delete(rule);
      };
    },
    whenIdle() {
      if (inFlight === 0) return new Promise((resolve) => setImmediate(resolve));
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    async stop() {
      ctx.stopped = true;
      unwatch();
      ctx.timers.dispose();
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
