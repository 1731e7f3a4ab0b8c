/**
 * The pod and container a pod subresource (log, exec, portforward) addresses, with the
 * apiserver's 404/400 answers, and the running process behind it when the pod really runs.
 */
import type { PodProcess } from '../kubelet/pod-process.js';
import { isPlainObject } from '../store/patch.js';
import { badRequest, notFound } from '../store/status-error.js';
import type { KubeObject } from '../store/types.js';
import type { RequestContext } from './api-server.js';

/** Finds the running process of a pod (the kubelet runtime's `lookup`). */
export type PodProcessLookup = (namespace: string, name: string) => PodProcess | undefined;

export interface PodTarget {
  pod: KubeObject;
  name: string;
  namespace: string;
  container: string;
  phase: string | undefined;
  /** The process running `container`, when the pod is not simulated. */
  process: PodProcess | undefined;
}

export function resolvePodTarget(
  ctx: Pick<RequestContext, 'route' | 'store' | 'url'>,
  lookup: PodProcessLookup | undefined,
  /** Port-forward addresses the pod, not a container. */
  options: { perContainer?: boolean } = {},
): PodTarget {
  const perContainer = options.perContainer ?? true;
  const { route, store, url } = ctx;
  const name = route.name!;
  const namespace = route.namespace ?? '';
  const pod = store.get({ group: '', version: 'v1', resource: 'pods' }, namespace, name);
  if (pod === undefined) throw notFound('', 'pods', name);
  const containers = (
    isPlainObject(pod.spec) && Array.isArray(pod.spec.containers) ? pod.spec.containers : []
  ).filter(isPlainObject);
  const names = containers.map((c) => String(c.name));
  const requested = perContainer ? url.searchParams.get('container') || null : null;
  if (perContainer && requested === null && names.length > 1) {
    throw badRequest(
      `a container name must be specified for pod ${name}, choose one of: [${names.join(' ')}]`,
    );
  }
  if (requested !== null && !names.includes(requested)) {
    throw badRequest(`container ${requested} is not valid for pod ${name}`);
  }
  const found = lookup?.(namespace, name);
  const container = requested ?? (perContainer ? undefined : found?.container) ?? names[0] ?? '';
  const phase = isPlainObject(pod.status) ? (pod.status.phase as string | undefined) : undefined;
  const process =
    found !== undefined && found.uid === pod.metadata.uid && found.container === container
      ? found
      : undefined;
  return { pod, name, namespace, container, phase, process };
}

/** 400 unless `target` is a running process pod (exec and port-forward need one). */
export function requireRunning(target: PodTarget, what: 'exec' | 'port-forward'): PodProcess {
  if (target.phase === 'Succeeded' || target.phase === 'Failed') {
    throw badRequest(
      `cannot ${what === 'exec' ? 'exec into' : 'port-forward to'} a container in a completed pod; current phase is ${target.phase}`,
    );
  }
  if (target.process === undefined) {
    if (target.phase !== 'Running') {
      throw badRequest(
        `container "${target.container}" in pod "${target.name}" is waiting to start: ContainerCreating`,
      );
    }
    throw badRequest(
      `${what} needs a pod that really runs: container "${target.container}" of pod "${target.name}" is simulated. ` +
        "Start the fake cluster with `kubelet: { runtime: 'process' }` and a Corral runner image (e.g. ghcr.io/corral-dev/runner:0.1.0).",
    );
  }
  if (target.process.state === 'starting') {
    throw badRequest(
      `container "${target.container}" in pod "${target.name}" is waiting to start: ContainerCreating`,
    );
  }
  if (target.process.state !== 'running') {
    throw badRequest(`container not found ("${target.container}")`);
  }
  return target.process;
}
