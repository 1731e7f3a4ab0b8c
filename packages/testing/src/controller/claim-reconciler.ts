/**
 * The SandboxClaim controller (upstream `extensions/controllers/sandboxclaim_controller.go`,
 * `Reconcile`): binds a claim to a Sandbox by warm adoption from a pool or a cold create from the
 * template, mirrors `Ready`/`Finished` and the pod IPs into the claim, and enforces `spec.lifecycle`.
 */
import { FIELD_MANAGER, type ControllerContext } from './context.js';
import {
  annotationsOf,
  clone,
  conditionsOf,
  isDeleting,
  isNotFound,
  isObj,
  setCondition,
  asError,
  type Obj,
} from './kube.js';
import type { ReconcileResult } from './work-queue.js';
import {
  shutdownPolicyOf,
  checkExpiration,
  hasClaimExpired,
  claimEvent,
  reconcileExpired,
} from './claim/check-expiration.js';
import { writeStatus, computeStatus, readyCondition } from './claim/compute-ready-condition.js';
import { reconcileActive } from './claim/get-or-create-sandbox.js';
import { reconcileV010 } from './claim/reconcile-v010.js';
import {
  ClaimError,
  PendingWarmCandidates,
  SUPPRESSED,
  MISSING_DEPENDENCY_REQUEUE_MS,
  CACHE_LAG_REQUEUE_MS,
  OBSERVED_AT,
} from './claim/claim-shared.js';

export function reconcileClaim(
  ctx: ControllerContext,
  namespace: string,
  name: string,
): ReconcileResult | void {
  const { store, gvr, timers } = ctx;
  let claim = store.get(gvr.claims, namespace, name);
  if (claim === undefined || isDeleting(claim)) return;

  if (annotationsOf(claim)[OBSERVED_AT] === undefined) {
    claim = store.patch(
      gvr.claims,
      namespace,
      name,
      { metadata: { annotations: { [OBSERVED_AT]: new Date(timers.now()).toISOString() } } },
      'merge',
      { fieldManager: FIELD_MANAGER },
    );
  }
  if (ctx.flavor === 'v0.1.0') return reconcileV010(ctx, claim);

  const oldStatus = clone(isObj(claim.status) ? claim.status : {});
  const status: Obj = clone(oldStatus);
  claim.status = status;

  const [expired, timeLeft] = checkExpiration(ctx, claim);
  if (expired && !hasClaimExpired(status)) {
    setCondition(
      conditionsOf(status),
      readyCondition(claim, undefined, undefined, true),
      timers.now(),
    );
    writeStatus(ctx, claim, oldStatus);
    claimEvent(ctx, claim, 'Claim Expired', 'Claim expired');
    return { requeueAfterMs: 1 };
  }
  const policy = shutdownPolicyOf(claim);
  if (expired && (policy === 'Delete' || policy === 'DeleteForeground')) {
    claimEvent(ctx, claim, 'Deleting', `Deleting Claim (ShutdownPolicy=${policy})`);
    try {
      store.delete(
        gvr.claims,
        namespace,
        name,
        policy === 'DeleteForeground' ? { propagationPolicy: 'Foreground' } : {},
      );
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    return;
  }

  const holder = { claim };
  const { sandbox, err } = expired ? reconcileExpired(ctx, holder) : reconcileActive(ctx, holder);
  claim = holder.claim;
  claim.status = status;
  if (err instanceof PendingWarmCandidates) return { requeueAfterMs: err.retryAfterMs };

  computeStatus(ctx, claim, status, sandbox, err, expired);
  const [postExpired, postTimeLeft] = checkExpiration(ctx, claim);
  if (postExpired && !hasClaimExpired(status)) {
    setCondition(conditionsOf(status), readyCondition(claim, sandbox, err, true), timers.now());
    writeStatus(ctx, claim, oldStatus);
    claimEvent(ctx, claim, 'Claim Expired', 'Claim expired');
    return { requeueAfterMs: 1 };
  }
  writeStatus(ctx, claim, oldStatus);

  let requeueAfterMs: number | undefined;
  if (!expired) requeueAfterMs = postExpired ? 1 : postTimeLeft > 0 ? postTimeLeft : undefined;
  if (err instanceof ClaimError) {
    if (err.kind === 'WarmPoolNotFound' || err.kind === 'TemplateNotFound') {
      return {
        requeueAfterMs: Math.min(requeueAfterMs ?? Infinity, MISSING_DEPENDENCY_REQUEUE_MS),
      };
    }
    if (err.kind === 'AlreadyExists') {
      return { requeueAfterMs: Math.min(requeueAfterMs ?? Infinity, CACHE_LAG_REQUEUE_MS) };
    }
    if (SUPPRESSED.has(err.kind))
      return requeueAfterMs === undefined ? undefined : { requeueAfterMs };
  }
  if (err !== undefined) throw asError(err);
  void timeLeft;
  return requeueAfterMs === undefined ? undefined : { requeueAfterMs };
}

export class ClaimReconciler {
  constructor(private readonly ctx: ControllerContext) {}

  reconcile(namespace: string, name: string): ReconcileResult | void {
    return reconcileClaim(this.ctx, namespace, name);
  }
}
