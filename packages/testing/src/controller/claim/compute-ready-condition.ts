/**
 * Claim status (upstream `computeAndSetStatus`, `computeReadyCondition`, `syncFinishedCondition`,
 * `updateStatus`): what the claim reports about its Sandbox.
 */
import {
  CLAIM_READY_REASONS,
  CONDITION_TYPES,
  SANDBOX_READY_REASONS,
  type Condition,
} from '@corral/agent-sandbox';
import type { KubeObject } from '../../store/types.js';
import { FIELD_MANAGER, type ControllerContext } from '../context.js';
import {
  clone,
  conditionsOf,
  deepEqual,
  errorMessage,
  findCondition,
  isConflict,
  isNotFound,
  isObj,
  removeCondition,
  setCondition,
  type Obj,
} from '../kube.js';
import { ClaimError, sandboxPodIPs } from './claim-shared.js';

export function writeStatus(ctx: ControllerContext, claim: KubeObject, oldStatus: Obj): void {
  const sortConds = (s: Obj): Obj => {
    const c = Array.isArray(s.conditions) ? [...(s.conditions as Condition[])] : [];
    c.sort((a, b) => (a.type < b.type ? -1 : 1));
    return { ...s, conditions: c };
  };
  const status = isObj(claim.status) ? claim.status : {};
  if (!deepEqual(sortConds(oldStatus), sortConds(status))) {
    try {
      // Optimistic lock, as upstream: a 409 means a newer claim event will recompute.
      ctx.store.update(ctx.gvr.claims, claim, {
        subresource: 'status',
        fieldManager: FIELD_MANAGER,
      });
    } catch (e) {
      if (isNotFound(e) || isConflict(e)) return;
      throw e;
    }
  }
  stampFirstReady(ctx, claim, oldStatus, status);
}

/** Upstream's guard against counting a claim's startup twice (`ClaimFirstReadyAnnotation`). */
export const CLAIM_FIRST_READY_AT = 'agents.x-k8s.io/claim-first-ready-at';

/**
 * After the first `Ready=True` status write, upstream stamps `claim-first-ready-at` (RFC 3339
 * time) in a metadata patch; a claim found Ready without the stamp is back-filled `unknown`.
 */
function stampFirstReady(
  ctx: ControllerContext,
  claim: KubeObject,
  oldStatus: Obj,
  status: Obj,
): void {
  if (ctx.flavor !== 'v1beta1') return;
  const ready = (s: Obj): boolean =>
    findCondition(conditionsOf(s), CONDITION_TYPES.ready)?.status === 'True';
  if (!ready(status) || claim.metadata.annotations?.[CLAIM_FIRST_READY_AT] !== undefined) return;
  const value = ready(oldStatus) ? 'unknown' : new Date(ctx.timers.now()).toISOString();
  try {
    ctx.store.patch(
      ctx.gvr.claims,
      claim.metadata.namespace,
      claim.metadata.name ?? '',
      { metadata: { annotations: { [CLAIM_FIRST_READY_AT]: value } } },
      'merge',
      { fieldManager: FIELD_MANAGER },
    );
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

// ---- status ----
export function computeStatus(
  ctx: ControllerContext,
  claim: KubeObject,
  status: Obj,
  sandbox: KubeObject | undefined,
  err: unknown,
  expired: boolean,
): void {
  const sbStatus = isObj(status.sandbox) ? status.sandbox : {};
  if (
    sandbox === undefined &&
    err instanceof ClaimError &&
    err.kind === 'AlreadyExists' &&
    typeof sbStatus.name === 'string' &&
    sbStatus.name !== ''
  ) {
    return;
  }
  const now = ctx.timers.now();
  const conditions = conditionsOf(status);
  setCondition(conditions, readyCondition(claim, sandbox, err, expired), now);
  if (sandbox !== undefined) {
    const finished = findCondition(
      conditionsOf(clone(isObj(sandbox.status) ? sandbox.status : {})),
      CONDITION_TYPES.finished,
    );
    if (finished !== undefined) setCondition(conditions, { ...finished }, now);
    else removeCondition(conditions, CONDITION_TYPES.finished);
  } else if (!expired) {
    removeCondition(conditions, CONDITION_TYPES.finished);
  }
  if (sandbox !== undefined) {
    const ips = sandboxPodIPs(sandbox);
    status.sandbox =
      ips.length > 0
        ? { name: sandbox.metadata.name, podIPs: [...ips] }
        : { name: sandbox.metadata.name };
  } else if (err === undefined || (err instanceof ClaimError && err.kind === 'NotOwned')) {
    delete status.sandbox;
  }
}

export function readyCondition(
  claim: KubeObject,
  sandbox: KubeObject | undefined,
  err: unknown,
  expired: boolean,
): Condition {
  const base = {
    type: CONDITION_TYPES.ready,
    status: 'False' as const,
    observedGeneration: claim.metadata.generation ?? 0,
  };
  if (err !== undefined) {
    if (err instanceof ClaimError) {
      switch (err.kind) {
        case 'TemplateNotFound':
        case 'WarmPoolNotFound':
        case 'InvalidMetadata':
        case 'EnvVarsInjectionRejected':
        case 'VolumeClaimTemplatesError':
          return { ...base, reason: err.kind, message: err.message };
        case 'AdoptionConflict':
          return {
            ...base,
            reason: 'AdoptionConflict',
            message: `${err.message}; the next pass retries from a converged view`,
          };
        case 'AlreadyExists':
          return {
            ...base,
            reason: 'SandboxCreatePending',
            message: 'Sandbox already created; waiting for cache to converge',
          };
        case 'NotOwned':
          return {
            ...base,
            reason: CLAIM_READY_REASONS.claimExpired,
            message: `Claim expired. ${err.message}; deletion skipped.`,
          };
      }
    }
    return {
      ...base,
      reason: SANDBOX_READY_REASONS.reconcilerError,
      message: `Error seen: ${errorMessage(err)}`,
    };
  }
  if (expired) {
    return {
      ...base,
      reason: CLAIM_READY_REASONS.claimExpired,
      message: 'Claim expired. Sandbox cleanup initiated.',
    };
  }
  if (sandbox === undefined) {
    return {
      ...base,
      reason: CLAIM_READY_REASONS.sandboxMissing,
      message: 'Sandbox does not exist',
    };
  }
  const sbConditions = conditionsOf(clone(isObj(sandbox.status) ? sandbox.status : {}));
  const ready = findCondition(sbConditions, CONDITION_TYPES.ready);
  if (ready?.reason === SANDBOX_READY_REASONS.sandboxExpired) {
    return {
      ...base,
      reason: SANDBOX_READY_REASONS.sandboxExpired,
      message: 'Underlying Sandbox resource has expired independently of the Claim.',
    };
  }
  if (ready !== undefined) return { ...ready, observedGeneration: claim.metadata.generation ?? 0 };
  return {
    ...base,
    reason: CLAIM_READY_REASONS.sandboxNotReady,
    message: 'Sandbox is not ready',
  };
}
