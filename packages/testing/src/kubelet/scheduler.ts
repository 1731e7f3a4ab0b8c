/**
 * The scheduler's part: binding a new pod to the node (`spec.nodeName`, `PodScheduled=True`) and
 * the kubelet's start after `startDelayMs`, or `Unschedulable` while a test blocks it.
 */
import { PODS, isObj } from '../controller/kube.js';
import type { KubeObject } from '../store/types.js';
import { runPod } from './container-exit.js';
import { matchesAny, podKey, type Block, type KubeletContext } from './kubelet-context.js';
import { condition, markUnschedulable, patchStatus } from './status-manager.js';

export function schedulePod(ctx: KubeletContext, pod: KubeObject): void {
  const { known, store } = ctx;
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
  if (matchesAny(ctx.blocks, pod)) {
    markUnschedulable(ctx, pod);
    return;
  }
  // The scheduler's binding: spec.nodeName, then PodScheduled=True.
  try {
    store.patch(
      PODS,
      pod.metadata.namespace,
      pod.metadata.name ?? '',
      { spec: { nodeName: ctx.nodeName } },
      'merge',
      { fieldManager: 'kube-scheduler' },
    );
  } catch {
    // a store that refuses spec edits on pods just gets no nodeName
  }
  patchStatus(ctx, pod.metadata.namespace ?? '', pod.metadata.name ?? '', pod.metadata.uid ?? '', {
    phase: 'Pending',
    conditions: [condition(ctx, 'PodScheduled', 'True')],
  });
  entry.cancel = ctx.timers.schedule(ctx.startDelayMs, () =>
    runPod(ctx, store.get(PODS, pod.metadata.namespace, pod.metadata.name ?? '') ?? pod),
  );
}

/** Keeps matching Pending pods unschedulable; the returned function schedules them again. */
export function blockStart(
  ctx: KubeletContext,
  namespace: string,
  match: Block['match'],
): () => void {
  const { blocks, known, store } = ctx;
  const block: Block = { namespace, match };
  blocks.add(block);
  for (const pod of store.list(PODS, { namespace }).items) {
    const status = isObj(pod.status) ? pod.status : {};
    if (status.phase !== 'Pending' && status.phase !== undefined) continue;
    if (!matchesAny(blocks, pod)) continue;
    const entry = known.get(podKey(namespace, pod.metadata.name));
    entry?.cancel?.();
    markUnschedulable(ctx, pod);
  }
  return () => {
    blocks.delete(block);
    for (const pod of store.list(PODS, { namespace }).items) {
      const status = isObj(pod.status) ? pod.status : {};
      if (status.phase !== 'Pending' || matchesAny(blocks, pod)) continue;
      known.delete(podKey(namespace, pod.metadata.name));
      schedulePod(ctx, pod);
    }
  };
}
