/**
 * Sandbox expiry (upstream `handleSandboxExpiry`, `setSandboxExpiredCondition`,
 * `sandboxMarkedExpired`).
 */
import { CONDITION_TYPES, SANDBOX_READY_REASONS } from '@corral/agent-sandbox';
import type { KubeObject } from '../../store/types.js';
import { type ControllerContext } from '../context.js';
import {
  PODS,
  SERVICES,
  conditionsOf,
  errorMessage,
  findCondition,
  isControlledBy,
  isNotFound,
  removeCondition,
  setCondition,
  type Obj,
} from '../kube.js';
import { sandboxSpec, resolvePodName } from './sandbox-shared.js';

export function markedExpired(status: Obj): boolean {
  return (
    findCondition(conditionsOf(status), CONDITION_TYPES.ready)?.reason ===
    SANDBOX_READY_REASONS.sandboxExpired
  );
}

export function setExpired(sb: KubeObject, status: Obj, now: number): void {
  const conditions = conditionsOf(status);
  setCondition(
    conditions,
    {
      type: CONDITION_TYPES.ready,
      status: 'False',
      observedGeneration: sb.metadata.generation ?? 0,
      reason: SANDBOX_READY_REASONS.sandboxExpired,
      message: 'Sandbox has expired',
    },
    now,
  );
  removeCondition(conditions, CONDITION_TYPES.podScheduled);
}

export function handleExpiry(
  ctx: ControllerContext,
  sb: KubeObject,
  status: Obj,
  now: number,
): { deleted: boolean; err: unknown } {
  const { store, gvr } = ctx;
  const ns = sb.metadata.namespace;
  const name = sb.metadata.name ?? '';
  const errors: string[] = [];
  const pod = store.get(PODS, ns, resolvePodName(sb));
  if (pod !== undefined && isControlledBy(pod, sb)) {
    try {
      store.delete(PODS, ns, pod.metadata.name ?? '');
    } catch (e) {
      if (!isNotFound(e)) errors.push(`failed to delete pod: ${errorMessage(e)}`);
    }
  }
  const svc = store.get(SERVICES, ns, name);
  if (svc !== undefined && isControlledBy(svc, sb)) {
    try {
      store.delete(SERVICES, ns, name);
    } catch (e) {
      if (!isNotFound(e)) errors.push(`failed to delete service: ${errorMessage(e)}`);
    }
  }
  if (sandboxSpec(sb).shutdownPolicy === 'Delete') {
    try {
      store.delete(gvr.sandboxes, ns, name);
      return { deleted: true, err: undefined };
    } catch (e) {
      if (isNotFound(e)) return { deleted: true, err: undefined };
      errors.push(`failed to delete sandbox: ${errorMessage(e)}`);
    }
  }
  if (errors.length > 0) return { deleted: false, err: new Error(errors.join('\n')) };
  const conditions = conditionsOf(status);
  for (const k of Object.keys(status)) if (k !== 'conditions') delete status[k];
  setExpired(sb, status, now);
  status.conditions = conditions;
  return { deleted: false, err: undefined };
}
