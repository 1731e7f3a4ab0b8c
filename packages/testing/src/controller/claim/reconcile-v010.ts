/**
 * The v0.1.0 claim controller: no pools, a Sandbox copied from the template.
 */
import { type Condition } from '@corral/agent-sandbox';
import type { KubeObject } from '../../store/types.js';
import { type ControllerContext } from '../context.js';
import {
  clone,
  conditionsOf,
  errorMessage,
  isObj,
  setCondition,
  asError,
  type Obj,
} from '../kube.js';
import type { ReconcileResult } from '../work-queue.js';
import { getTemplate } from './get-template.js';
import { writeStatus } from './compute-ready-condition.js';
import { getOrCreateSandbox } from './get-or-create-sandbox.js';
import { createSandbox } from './create-sandbox.js';
import { ClaimError, MISSING_DEPENDENCY_REQUEUE_MS, sandboxReady } from './claim-shared.js';

// ---- v0.1.0 ----
/** v0.1.0: cold create from the template (or reuse), Ready reasons SandboxReady/SandboxNotReady. */
export function reconcileV010(ctx: ControllerContext, claim: KubeObject): ReconcileResult | void {
  const oldStatus = clone(isObj(claim.status) ? claim.status : {});
  const status: Obj = clone(oldStatus);
  let sandbox: KubeObject | undefined;
  let err: unknown;
  try {
    const holder = { claim };
    sandbox = getOrCreateSandbox(ctx, holder);
    claim = holder.claim;
    sandbox ??= createSandbox(ctx, claim, getTemplate(ctx, claim));
  } catch (e) {
    err = e;
  }
  const generation = claim.metadata.generation ?? 0;
  let cond: Condition;
  if (err instanceof ClaimError && err.kind === 'TemplateNotFound') {
    cond = {
      type: 'Ready',
      status: 'False',
      observedGeneration: generation,
      reason: 'TemplateNotFound',
      message: err.message,
    };
  } else if (err !== undefined) {
    cond = {
      type: 'Ready',
      status: 'False',
      observedGeneration: generation,
      reason: 'ReconcilerError',
      message: `Error seen: ${errorMessage(err)}`,
    };
  } else if (sandbox !== undefined && sandboxReady(sandbox)) {
    cond = {
      type: 'Ready',
      status: 'True',
      observedGeneration: generation,
      reason: 'SandboxReady',
      message: 'Sandbox is ready',
    };
  } else {
    cond = {
      type: 'Ready',
      status: 'False',
      observedGeneration: generation,
      reason: 'SandboxNotReady',
      message: 'Sandbox is not ready',
    };
  }
  setCondition(conditionsOf(status), cond, ctx.timers.now());
  if (sandbox !== undefined) status.sandbox = { Name: sandbox.metadata.name };
  claim.status = status;
  writeStatus(ctx, claim, oldStatus);
  if (err instanceof ClaimError && err.kind === 'TemplateNotFound')
    return { requeueAfterMs: MISSING_DEPENDENCY_REQUEUE_MS };
  if (err !== undefined) throw asError(err);
}
