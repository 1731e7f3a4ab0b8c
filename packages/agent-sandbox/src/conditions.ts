/**
 * Condition types and reasons the agent-sandbox controller writes (api/v1beta1/sandbox_types.go,
 * extensions/controllers/sandboxclaim_controller.go), and helpers that read them.
 */

export const CONDITION_TYPES = {
  ready: 'Ready',
  finished: 'Finished',
  suspended: 'Suspended',
  podScheduled: 'PodScheduled',
} as const;
export type ConditionType = (typeof CONDITION_TYPES)[keyof typeof CONDITION_TYPES];

/** Reasons of a Sandbox's `Ready` condition (also forwarded to its claim). */
export const SANDBOX_READY_REASONS = {
  dependenciesReady: 'DependenciesReady',
  dependenciesNotReady: 'DependenciesNotReady',
  sandboxSuspended: 'SandboxSuspended',
  podSucceeded: 'PodSucceeded',
  podFailed: 'PodFailed',
  sandboxExpired: 'SandboxExpired',
  multiplePods: 'MultiplePods',
  reconcilerError: 'ReconcilerError',
} as const;

/** Reasons only a claim's `Ready` condition carries. */
export const CLAIM_READY_REASONS = {
  claimExpired: 'ClaimExpired',
  warmPoolNotFound: 'WarmPoolNotFound',
  templateNotFound: 'TemplateNotFound',
  invalidMetadata: 'InvalidMetadata',
  envVarsInjectionRejected: 'EnvVarsInjectionRejected',
  volumeClaimTemplatesError: 'VolumeClaimTemplatesError',
  adoptionConflict: 'AdoptionConflict',
  sandboxCreatePending: 'SandboxCreatePending',
  sandboxMissing: 'SandboxMissing',
  sandboxNotReady: 'SandboxNotReady',
} as const;

export const SUSPENDED_REASONS = {
  podTerminated: 'PodTerminated',
  podTerminating: 'PodTerminating',
  podNotOwned: 'PodNotOwned',
  notSuspended: 'NotSuspended',
  podStateUnknown: 'PodStateUnknown',
} as const;

export const FINISHED_REASONS = {
  podSucceeded: 'PodSucceeded',
  podFailed: 'PodFailed',
} as const;

export type ReadyReason =
  | (typeof SANDBOX_READY_REASONS)[keyof typeof SANDBOX_READY_REASONS]
  | (typeof CLAIM_READY_REASONS)[keyof typeof CLAIM_READY_REASONS];

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  observedGeneration?: number;
}

/** Anything with `status.conditions` — a Sandbox or a SandboxClaim in either version. */
export interface HasConditions {
  metadata?: { generation?: number | undefined } | undefined;
  status?: { conditions?: readonly Condition[] | undefined } | undefined;
}

export function findCondition(obj: HasConditions, type: string): Condition | undefined {
  return obj.status?.conditions?.find((c) => c.type === type);
}

/**
 * True when `Ready=True`. A condition written for an older generation (the controller has not
 * seen the latest spec yet) does not count.
 */
export function isReady(obj: HasConditions): boolean {
  const ready = findCondition(obj, CONDITION_TYPES.ready);
  if (ready?.status !== 'True') return false;
  const generation = obj.metadata?.generation;
  return (
    ready.observedGeneration === undefined ||
    generation === undefined ||
    ready.observedGeneration >= generation
  );
}

/** True when the pod reached a terminal phase (`Finished=True`). */
export function isFinished(obj: HasConditions): boolean {
  return findCondition(obj, CONDITION_TYPES.finished)?.status === 'True';
}

export function readyReason(obj: HasConditions): string | undefined {
  return findCondition(obj, CONDITION_TYPES.ready)?.reason;
}

export type ReasonClass = 'ready' | 'waiting' | 'terminal';

const TERMINAL_REASONS: ReadonlySet<string> = new Set([
  CLAIM_READY_REASONS.invalidMetadata,
  CLAIM_READY_REASONS.envVarsInjectionRejected,
  CLAIM_READY_REASONS.volumeClaimTemplatesError,
  CLAIM_READY_REASONS.claimExpired,
  SANDBOX_READY_REASONS.sandboxExpired,
  // The controller never restarts a terminal pod, so a claim in these states never becomes Ready.
  SANDBOX_READY_REASONS.podFailed,
  SANDBOX_READY_REASONS.podSucceeded,
]);

/**
 * Classifies a `Ready` reason for a caller waiting for readiness: `ready` (done), `terminal`
 * (will never become Ready without a new claim) or `waiting` (keep watching; this includes
 * `WarmPoolNotFound` and `TemplateNotFound`, which resolve when the pool or template appears,
 * and any reason this version does not know).
 */
export function classifyReadyReason(reason: string | undefined): ReasonClass {
  if (reason === SANDBOX_READY_REASONS.dependenciesReady) return 'ready';
  if (reason !== undefined && TERMINAL_REASONS.has(reason)) return 'terminal';
  return 'waiting';
}

/** Classifies an object's current readiness from its conditions. */
export function readiness(obj: HasConditions): ReasonClass {
  if (isReady(obj)) return 'ready';
  // The controller never restarts a terminal pod. Some versions (alpha-only clusters) leave Ready
  // at DependenciesNotReady and report the end only through Finished=True.
  if (isFinished(obj)) return 'terminal';
  const reason = readyReason(obj);
  return classifyReadyReason(reason) === 'ready' ? 'waiting' : classifyReadyReason(reason);
}
