/**
 * The state one simulated kubelet shares between its parts (pod sync, status writes, probing,
 * termination, back-off), so each can live in the module named after what it mirrors.
 */
import type { Clock } from '../clock.js';
import type { Timers } from '../controller/timers.js';
import { PODS, isObj, str } from '../controller/kube.js';
import type { KubeObject, ObjectStore } from '../store/types.js';
import type { PodIpAllocator } from './ip-allocator.js';
import type { PodRuntime } from './runtime.js';

export type PodMatcher = string | ((pod: KubeObject) => boolean);

export interface Block {
  namespace: string;
  match: PodMatcher;
}

/** What the kubelet knows of one pod (by namespace/name, for the pod with `uid`). */
export interface PodEntry {
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

export interface KubeletContext {
  readonly store: ObjectStore;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly runtime: PodRuntime;
  readonly startDelayMs: number;
  readonly nodeName: string;
  readonly hostIP: string;
  readonly ips: PodIpAllocator;
  readonly known: Map<string, PodEntry>;
  readonly blocks: Set<Block>;
  readonly sigtermIgnored: Set<Block>;
  /** Set once `stop()` was called. */
  stopped: boolean;
  /** Counts `promise` as in flight for `whenIdle()`. */
  track<T>(promise: Promise<T>): Promise<T>;
  /** The kubelet's clock as a Kubernetes timestamp. */
  now(): string;
}

export function podKey(ns: string | undefined, name: string | undefined): string {
  return `${ns ?? ''}/${name ?? ''}`;
}

export function containersOf(pod: KubeObject): { name: string; image: string }[] {
  const spec = isObj(pod.spec) ? pod.spec : {};
  const list = Array.isArray(spec.containers) ? spec.containers : [];
  return list.filter(isObj).map((c) => ({ name: str(c.name), image: str(c.image) }));
}

export function matchesAny(rules: Set<Block>, pod: KubeObject): boolean {
  return [...rules].some(
    (b) =>
      b.namespace === pod.metadata.namespace &&
      (typeof b.match === 'string' ? b.match === pod.metadata.name : b.match(pod)),
  );
}

export function requirePod(ctx: KubeletContext, ns: string, name: string): KubeObject {
  const pod = ctx.store.get(PODS, ns, name);
  if (pod === undefined) throw new Error(`simulated kubelet: pod ${ns}/${name} not found`);
  return pod;
}
