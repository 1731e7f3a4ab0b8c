/**
 * The seam between the simulated kubelet and whatever "runs" a pod. The default runtime only
 * simulates; a later runtime can start real processes and report their address.
 */
import type { KubeObject } from '../store/types.js';

export interface PodStartResult {
  /** The pod's address; the kubelet allocates one from 10.244.0.0/16 when omitted. */
  podIP?: string;
}

export interface PodRuntime {
  /** Starts the pod's containers; resolves when they run (the kubelet then marks it Running). */
  start(pod: KubeObject, signal: AbortSignal): Promise<PodStartResult>;
  /** Stops the pod's containers (pod deleted, or terminated through the kubelet API). */
  stop(pod: KubeObject): Promise<void>;
}

/** Runs nothing: every pod starts at once and stops at once. */
export function createSimulatedRuntime(): PodRuntime {
  return {
    start: () => Promise.resolve({}),
    stop: () => Promise.resolve(),
  };
}
