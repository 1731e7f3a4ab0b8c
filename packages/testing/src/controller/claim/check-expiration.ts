/**
 * Claim lifecycle (upstream `checkExpiration`, `internal/lifecycle/expiry.go`, and
 * `reconcileExpired`): when a claim expires and what its shutdown policy then does.
 */
import { CLAIM_READY_REASONS, CONDITION_TYPES } from '@corral/agent-sandbox';
import type { KubeObject } from '../../store/types.js';
import { type ControllerContext } from '../context.js';
import {
  clone,
  conditionsOf,
  errorMessage,
  findCondition,
  isControlledBy,
  isDeleting,
  isNotFound,
  isObj,
  parseTime,
  type Obj,
} from '../kube.js';
import { ClaimError, spec, type Resolved } from './claim-shared.js';

export function shutdownPolicyOf(claim: KubeObject): string {
  const lifecycle = spec(claim).lifecycle;
  return isObj(lifecycle) && typeof lifecycle.shutdownPolicy === 'string'
    ? lifecycle.shutdownPolicy
    : 'Retain';
}

/** `internal/lifecycle/expiry.go`: earliest of shutdownTime and Finished + TTL. */
export function checkExpiration(ctx: ControllerContext, claim: KubeObject): [boolean, number] {
  const lifecycle = spec(claim).lifecycle;
  if (!isObj(lifecycle)) return [false, 0];
  let expireAt = parseTime(lifecycle.shutdownTime);
  const ttl = lifecycle.ttlSecondsAfterFinished;
  const status = isObj(claim.status) ? claim.status : {};
  const finished = findCondition(conditionsOf(clone(status)), CONDITION_TYPES.finished);
  if (typeof ttl === 'number' && finished?.status === 'True') {
    const finishedAt = parseTime(finished.lastTransitionTime);
    if (finishedAt !== undefined) {
      const ttlAt = finishedAt + ttl * 1000;
      if (expireAt === undefined || ttlAt < expireAt) expireAt = ttlAt;
    }
  }
  if (expireAt === undefined) return [false, 0];
  const now = ctx.timers.now();
  return now >= expireAt ? [true, 0] : [false, expireAt - now];
}

export function hasClaimExpired(status: Obj): boolean {
  return (
    findCondition(conditionsOf(status), CONDITION_TYPES.ready)?.reason ===
    CLAIM_READY_REASONS.claimExpired
  );
}

export function claimEvent(
  ctx: ControllerContext,
  claim: KubeObject,
  action: string,
  message: string,
  reason = 'ClaimExpired',
): void {
  if (ctx.claimEvents) ctx.events.record(claim, 'Normal', reason, action, message);
}

// ---- expired (Retain) ----
export function reconcileExpired(ctx: ControllerContext, holder: { claim: KubeObject }): Resolved {
  const { claim } = holder;
  const status = isObj(claim.status) ? claim.status : {};
  const bound =
    isObj(status.sandbox) && typeof status.sandbox.name === 'string' && status.sandbox.name !== ''
      ? status.sandbox.name
      : (claim.metadata.name ?? '');
  const sandbox = ctx.store.get(ctx.gvr.sandboxes, claim.metadata.namespace, bound);
  if (sandbox === undefined) return { sandbox: undefined, err: undefined };
  if (!isControlledBy(sandbox, claim)) {
    return {
      sandbox: undefined,
      err: new ClaimError(
        'NotOwned',
        `sandbox not owned by this claim: sandbox "${sandbox.metadata.name}" is not owned by claim "${claim.metadata.name}"`,
      ),
    };
  }
  if (!isDeleting(sandbox)) {
    try {
      ctx.store.delete(ctx.gvr.sandboxes, sandbox.metadata.namespace, sandbox.metadata.name ?? '');
    } catch (e) {
      if (!isNotFound(e))
        return {
          sandbox,
          err: new Error(`failed to delete expired sandbox: ${errorMessage(e)}`),
        };
    }
  }
  return { sandbox, err: undefined };
}
