/**
 * The seam between the simulated kubelet and whatever "runs" a pod. The default runtime only
 * simulates; the process runtime (`process-runtime.ts`) starts Corral runner pods as local
 * sandboxes and reports their address, exit, logs, exec and ports through `PodProcess`.
 */
import type { KubeObject } from '../store/types.js';
import type { PodProcess } from './pod-process.js';

/** How a pod's container ended by itself; the kubelet writes it as `state.terminated`. */
export interface ContainerExit {
  exitCode: number;
  /** Default: `Completed` for exit code 0, else `Error`. */
  reason?: string;
  message?: string;
}

export interface PodStartResult {
  /** The pod's address; the kubelet allocates one from 127.244.0.0/16 when omitted. */
  podIP?: string;
  /**
   * Resolves when the pod's containers exit on their own (not when `stop` ends them); the
   * kubelet then marks the pod Succeeded (exit 0) or Failed. Omitted: the pod runs until stopped.
   */
  exited?: Promise<ContainerExit>;
}

export interface StopOptions {
  /** SIGTERM → SIGKILL delay; 0 kills at once. */
  graceMs?: number;
}

export interface PodRuntime {
  /** Starts the pod's containers; resolves when they run and are ready (the kubelet then marks it Running). */
  start(pod: KubeObject, signal: AbortSignal): Promise<PodStartResult>;
  /**
   * Stops the pod's containers (pod deleted, or its containers exited): SIGTERM, then SIGKILL
   * after `graceMs` (default: the runtime's own), resolving once they have ended.
   */
  stop(pod: KubeObject, options?: StopOptions): Promise<void>;
  /**
   * Runs one readiness probe of `container` (`httpGet`, `tcpSocket` or `exec`) within
   * `timeoutMs`: true if it passed. Undefined (or no method) means the container is simulated and
   * counts as serving.
   */
  probe?(
    pod: KubeObject,
    container: string,
    probe: Record<string, unknown>,
    timeoutMs: number,
  ): Promise<boolean | undefined>;
  /** The pod object is gone: stop and release everything (address, logs). Default: `stop`. */
  remove?(pod: KubeObject): Promise<void>;
  /** The pod's running container, for logs, exec and port-forward; undefined for simulated pods. */
  lookup?(namespace: string, name: string): PodProcess | undefined;
  /** Stops every pod (the kubelet is stopping). */
  close?(): Promise<void>;
}

/** Runs nothing: every pod starts at once and stops at once. */
export function createSimulatedRuntime(): PodRuntime {
  return {
    start: () => Promise.resolve({}),
    stop: () => Promise.resolve(),
  };
}
