/**
 * Sandbox conditions and status (upstream `computeConditions`, `computeSuspendedCondition`,
 * `computeFinishedCondition`, `computePodScheduledCondition`, `computeReadyCondition`, `updateStatus`).
 */
import {
  CONDITION_TYPES,
  SANDBOX_READY_REASONS,
  SUSPENDED_REASONS,
  type Condition,
} from '@corral/agent-sandbox';
import type { KubeObject } from '../../store/types.js';
import { FIELD_MANAGER, type ControllerContext } from '../context.js';
import {
  conditionsOf,
  deepEqual,
  errorMessage,
  findCondition,
  isControlledBy,
  isNotFound,
  mergePatchDiff,
  removeCondition,
  setCondition,
  type Obj,
} from '../kube.js';
import {
  MultiplePodsError,
  isSuspended,
  serviceDesired,
  podPhase,
  podConditions,
  podIPs,
  type ChildState,
} from './sandbox-shared.js';

export function computeConditions(
  ctx: ControllerContext,
  sb: KubeObject,
  status: Obj,
  state: ChildState,
): void {
  const now = ctx.timers.now();
  const conditions = conditionsOf(status);
  const generation = sb.metadata.generation ?? 0;
  const v1beta1 = ctx.flavor === 'v1beta1';

  if (v1beta1) setCondition(conditions, suspendedCondition(ctx, sb, state, generation), now);

  const finished =
    ctx.flavor === 'v0.1.0' ? undefined : finishedCondition(sb, state.pod, generation);
  if (finished !== undefined) setCondition(conditions, finished, now);
  else removeCondition(conditions, CONDITION_TYPES.finished);

  if (v1beta1) {
    const scheduled = podScheduledCondition(sb, state, generation);
    if (scheduled !== undefined) setCondition(conditions, scheduled, now);
    else removeCondition(conditions, CONDITION_TYPES.podScheduled);
  }

  setCondition(conditions, readyCondition(ctx, sb, state, generation), now);
}

export function suspendedCondition(
  ctx: ControllerContext,
  sb: KubeObject,
  state: ChildState,
  generation: number,
): Condition {
  const base: Condition = {
    type: CONDITION_TYPES.suspended,
    status: 'False',
    observedGeneration: generation,
    reason: SUSPENDED_REASONS.notSuspended,
    message: 'Sandbox is not suspended',
  };
  if (!isSuspended(ctx, sb)) return base;
  if (state.pod === undefined && state.podErr !== undefined) {
    return {
      ...base,
      status: 'Unknown',
      reason: SUSPENDED_REASONS.podStateUnknown,
      message: 'Pod state is unknown. Sandbox suspension cannot be confirmed',
    };
  }
  if (state.pod === undefined) {
    return {
      ...base,
      status: 'True',
      reason: SUSPENDED_REASONS.podTerminated,
      message: 'Pod has been terminated. Sandbox is suspended',
    };
  }
  if (!isControlledBy(state.pod, sb)) {
    return {
      ...base,
      reason: SUSPENDED_REASONS.podNotOwned,
      message: 'Refused to delete pod because it is not owned by this sandbox',
    };
  }
  return {
    ...base,
    reason: SUSPENDED_REASONS.podTerminating,
    message: 'Pod is terminating. Sandbox is suspending',
  };
}

export function finishedCondition(
  sb: KubeObject,
  pod: KubeObject | undefined,
  generation: number,
): Condition | undefined {
  if (pod === undefined || !isControlledBy(pod, sb)) return undefined;
  const phase = podPhase(pod);
  if (phase === 'Succeeded') {
    return {
      type: CONDITION_TYPES.finished,
      status: 'True',
      observedGeneration: generation,
      reason: 'PodSucceeded',
      message: 'Pod completed successfully',
    };
  }
  if (phase === 'Failed') {
    return {
      type: CONDITION_TYPES.finished,
      status: 'True',
      observedGeneration: generation,
      reason: 'PodFailed',
      message: 'Pod failed',
    };
  }
  return undefined;
}

export function podScheduledCondition(
  sb: KubeObject,
  state: ChildState,
  generation: number,
): Condition | undefined {
  const base = { type: CONDITION_TYPES.podScheduled, observedGeneration: generation };
  if (state.pod === undefined && state.podErr !== undefined) {
    return {
      ...base,
      status: 'Unknown',
      reason: 'PodSchedulingUnknown',
      message: 'Pod state is unknown. Pod scheduling cannot be determined',
    };
  }
  if (state.pod === undefined || !isControlledBy(state.pod, sb)) return undefined;
  const podCond = podConditions(state.pod).find((c) => c.type === 'PodScheduled');
  if (podCond !== undefined) {
    const reason =
      podCond.reason !== undefined && podCond.reason !== ''
        ? podCond.reason
        : podCond.status === 'True'
          ? 'PodScheduled'
          : 'PodSchedulingUnknown';
    return { ...base, status: podCond.status, reason, message: podCond.message ?? '' };
  }
  return {
    ...base,
    status: 'Unknown',
    reason: 'PodSchedulingUnknown',
    message: 'Pod has not reported a PodScheduled condition yet',
  };
}

export function readyCondition(
  ctx: ControllerContext,
  sb: KubeObject,
  state: ChildState,
  generation: number,
): Condition {
  const cond: Condition = {
    type: CONDITION_TYPES.ready,
    status: 'False',
    observedGeneration: generation,
    reason: SANDBOX_READY_REASONS.dependenciesNotReady,
    message: '',
  };
  if (state.err !== undefined) {
    if (state.err instanceof MultiplePodsError) {
      return { ...cond, reason: SANDBOX_READY_REASONS.multiplePods, message: state.err.message };
    }
    return {
      ...cond,
      reason: SANDBOX_READY_REASONS.reconcilerError,
      message: `Error seen: ${errorMessage(state.err)}`,
    };
  }
  const suspended = isSuspended(ctx, sb);
  if (suspended && ctx.flavor === 'v1beta1') {
    return {
      ...cond,
      reason: SANDBOX_READY_REASONS.sandboxSuspended,
      message: state.pod !== undefined ? 'Sandbox is suspending' : 'Sandbox is suspended',
    };
  }
  const { pod } = state;
  if (pod !== undefined && ctx.flavor === 'v1beta1') {
    const phase = podPhase(pod);
    if (phase === 'Succeeded') {
      return {
        ...cond,
        reason: SANDBOX_READY_REASONS.podSucceeded,
        message: 'Pod completed successfully',
      };
    }
    if (phase === 'Failed') {
      return { ...cond, reason: SANDBOX_READY_REASONS.podFailed, message: 'Pod failed' };
    }
  }
  let message: string;
  let podReady = false;
  if (pod !== undefined) {
    const phase = podPhase(pod);
    message = `Pod exists with phase: ${phase}`;
    if (phase === 'Running') {
      message = 'Pod is Running but not Ready';
      const ready = podConditions(pod).find((c) => c.type === 'Ready');
      if (ready?.status === 'True') {
        if (podIPs(pod).length === 0) message = 'Pod is Ready but has no podIPs yet';
        else {
          message = 'Pod is Ready';
          podReady = true;
        }
      }
    }
  } else if (suspended) {
    // Alpha: replicas 0 is an intended state and counts as ready.
    message = 'Pod does not exist, replicas is 0';
    podReady = true;
  } else {
    message = 'Pod does not exist';
  }
  const desired = serviceDesired(ctx, sb);
  const svcRequired = desired !== undefined ? desired : state.svc !== undefined;
  let svcReady = true;
  if (svcRequired) {
    svcReady = state.svc !== undefined;
    message += svcReady ? '; Service Exists' : '; Service does not exist';
  }
  cond.message = message;
  if (podReady && svcReady) {
    cond.status = 'True';
    cond.reason = SANDBOX_READY_REASONS.dependenciesReady;
  }
  return cond;
}

export function writeStatus(
  ctx: ControllerContext,
  sb: KubeObject,
  oldStatus: Obj,
  status: Obj,
): void {
  if (deepEqual(oldStatus, status)) return;
  // A node-name-only change waits for the next write unless the sandbox is Ready.
  if (oldStatus.nodeName !== status.nodeName) {
    const scratch = { ...status, nodeName: oldStatus.nodeName };
    const ready = findCondition(conditionsOf(status), CONDITION_TYPES.ready)?.status === 'True';
    if (deepEqual(oldStatus, scratch) && !ready) return;
  }
  const patch = mergePatchDiff(oldStatus, status);
  if (patch === undefined) return;
  try {
    ctx.store.patch(
      ctx.gvr.sandboxes,
      sb.metadata.namespace,
      sb.metadata.name ?? '',
      { status: patch },
      'merge',
      { subresource: 'status', fieldManager: FIELD_MANAGER },
    );
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}
