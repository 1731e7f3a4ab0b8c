/**
 * The kubelet's status manager: every pod status write (as the `kubelet` field manager, to the
 * status subresource, only for the pod with the uid the kubelet knows) and the conditions it
 * writes.
 */
import { PODS, isNotFound, isObj, type Obj } from '../controller/kube.js';
import type { KubeObject } from '../store/types.js';
import { containersOf, type KubeletContext } from './kubelet-context.js';

const UNSCHEDULABLE_MESSAGE =
  '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.';

export function patchStatus(
  ctx: KubeletContext,
  ns: string,
  name: string,
  uid: string,
  status: Obj,
): void {
  const current = ctx.store.get(PODS, ns, name);
  if (current === undefined || current.metadata.uid !== uid) return;
  try {
    ctx.store.patch(PODS, ns, name, { status }, 'merge', {
      subresource: 'status',
      fieldManager: 'kubelet',
    });
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

export function condition(
  ctx: KubeletContext,
  type: string,
  status: 'True' | 'False',
  reason?: string,
  message?: string,
): Obj {
  const c: Obj = { type, status, lastProbeTime: null, lastTransitionTime: ctx.now() };
  if (reason !== undefined) c.reason = reason;
  if (message !== undefined) c.message = message;
  return c;
}

export function markUnschedulable(ctx: KubeletContext, pod: KubeObject): void {
  patchStatus(ctx, pod.metadata.namespace ?? '', pod.metadata.name ?? '', pod.metadata.uid ?? '', {
    phase: 'Pending',
    conditions: [condition(ctx, 'PodScheduled', 'False', 'Unschedulable', UNSCHEDULABLE_MESSAGE)],
  });
}

/** Ready and ContainersReady conditions plus every container's `ready`. */
export function writeReady(
  ctx: KubeletContext,
  ns: string,
  name: string,
  uid: string,
  ready: boolean,
): void {
  const pod = ctx.store.get(PODS, ns, name);
  if (pod === undefined || pod.metadata.uid !== uid) return;
  const status = isObj(pod.status) ? pod.status : {};
  const containers = containersOf(pod).map((c) => c.name);
  const reason = ready ? undefined : 'ContainersNotReady';
  const message = ready ? undefined : `containers with unready status: [${containers.join(' ')}]`;
  const conditions = (Array.isArray(status.conditions) ? (status.conditions as Obj[]) : []).map(
    (c) =>
      c.type === 'Ready' || c.type === 'ContainersReady'
        ? condition(ctx, String(c.type), ready ? 'True' : 'False', reason, message)
        : c,
  );
  const containerStatuses = (
    Array.isArray(status.containerStatuses) ? (status.containerStatuses as Obj[]) : []
  ).map((c) => ({ ...c, ready }));
  patchStatus(ctx, ns, name, uid, { conditions, containerStatuses });
}
