/**
 * The Sandbox controller (upstream `controllers/sandbox_controller.go`, `Reconcile` and
 * `reconcileChildResources`): owns one Pod, an optional headless Service and the PVCs of a Sandbox,
 * mirrors their state into its conditions, and enforces `shutdownTime` and `operatingMode`.
 */
import { LABELS, nameHash } from '@corral/agent-sandbox';
import type { KubeObject } from '../store/types.js';
import { type ControllerContext } from './context.js';
import {
  clone,
  errorMessage,
  isControlledBy,
  isDeleting,
  isObj,
  parseTime,
  asError,
  type Obj,
} from './kube.js';
import type { ReconcileResult } from './work-queue.js';
import { markedExpired, setExpired, handleExpiry } from './sandbox/handle-sandbox-expiry.js';
import { computeConditions, writeStatus } from './sandbox/compute-conditions.js';
import { reconcilePod } from './sandbox/reconcile-pod.js';
import { reconcileService } from './sandbox/reconcile-service.js';
import { reconcilePVCs } from './sandbox/reconcile-pvcs.js';
import {
  MIN_EXPIRY_REQUEUE_MS,
  MultiplePodsError,
  sandboxSpec,
  podIPs,
} from './sandbox/sandbox-shared.js';

export function reconcileSandbox(
  ctx: ControllerContext,
  namespace: string,
  name: string,
): ReconcileResult | void {
  const { store, gvr, timers } = ctx;
  let sb = store.get(gvr.sandboxes, namespace, name);
  if (sb === undefined || isDeleting(sb)) return;

  const oldStatus = clone(isObj(sb.status) ? sb.status : {});
  const status: Obj = clone(oldStatus);
  const now = timers.now();
  const result: ReconcileResult = {};
  let err: unknown;

  const shutdownMs = parseTime(sandboxSpec(sb).shutdownTime);
  if (shutdownMs !== undefined && now >= shutdownMs) {
    if (!markedExpired(status)) {
      setExpired(sb, status, now);
      writeStatus(ctx, sb, oldStatus, status);
      return { requeueAfterMs: 1 };
    }
    const outcome = handleExpiry(ctx, sb, status, now);
    if (outcome.deleted) return;
    err = outcome.err;
  } else {
    const state = reconcileChildren(ctx, sb, status);
    sb = state.sandbox;
    err = state.err;
    const after = timers.now();
    if (shutdownMs !== undefined) {
      if (after >= shutdownMs) {
        setExpired(sb, status, after);
        result.requeueAfterMs = 1;
      } else {
        result.requeueAfterMs = Math.max(shutdownMs - after, MIN_EXPIRY_REQUEUE_MS);
      }
    }
  }
  writeStatus(ctx, sb, oldStatus, status);
  if (err !== undefined && !(err instanceof MultiplePodsError)) throw asError(err);
  return result;
}

export function reconcileChildren(
  ctx: ControllerContext,
  sandbox: KubeObject,
  status: Obj,
): { sandbox: KubeObject; err: unknown } {
  const hash = nameHash(sandbox.metadata.name ?? '');
  const holder = { sandbox };
  const errors: unknown[] = [];

  const pvcErr = reconcilePVCs(ctx, sandbox, hash);
  if (pvcErr !== undefined) errors.push(pvcErr);

  let pod: KubeObject | undefined;
  let podErr: unknown;
  try {
    pod = reconcilePod(ctx, holder, hash);
  } catch (e) {
    podErr = e;
  }
  const sb = holder.sandbox;
  const conflict = podErr instanceof MultiplePodsError;
  if (podErr !== undefined) errors.push(podErr);

  if (ctx.flavor === 'v1beta1') {
    if (pod === undefined) {
      delete status.podIPs;
      delete status.nodeName;
    } else {
      status.selector = `${LABELS.sandboxNameHash}=${hash}`;
      if (isControlledBy(pod, sb)) {
        const ips = podIPs(pod);
        if (ips.length > 0) status.podIPs = ips;
        else delete status.podIPs;
        const node = isObj(pod.spec) ? pod.spec.nodeName : undefined;
        if (typeof node === 'string' && node !== '') status.nodeName = node;
        else delete status.nodeName;
      } else {
        delete status.podIPs;
        delete status.nodeName;
      }
    }
  } else {
    status.replicas = pod === undefined ? 0 : 1;
    if (pod === undefined) delete status.podIPs;
    else {
      status.selector = `${LABELS.sandboxNameHash}=${hash}`;
      if (ctx.flavor === 'v1alpha1') {
        const ips = podIPs(pod);
        if (ips.length > 0) status.podIPs = ips;
        else delete status.podIPs;
      }
    }
  }

  let svc: KubeObject | undefined;
  if (!conflict) {
    try {
      svc = reconcileService(ctx, sb, hash, status);
    } catch (e) {
      errors.push(e);
    }
  }

  const conditionErr =
    errors.length === 0
      ? undefined
      : errors.length === 1
        ? errors[0]
        : new Error(errors.map(errorMessage).join('\n'));
  computeConditions(ctx, sb, status, { pod, podErr, svc, err: conditionErr });
  return { sandbox: sb, err: conditionErr };
}

export class SandboxReconciler {
  constructor(private readonly ctx: ControllerContext) {}

  reconcile(namespace: string, name: string): ReconcileResult | void {
    return reconcileSandbox(this.ctx, namespace, name);
  }
}
