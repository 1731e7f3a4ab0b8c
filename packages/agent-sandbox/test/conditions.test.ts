import { describe, expect, it } from 'vitest';
import {
  CLAIM_READY_REASONS,
  SANDBOX_READY_REASONS,
  classifyReadyReason,
  isFinished,
  isReady,
  readiness,
  readyReason,
  type Condition,
} from '@corral/agent-sandbox';

const withConditions = (conditions: Condition[], generation = 1) => ({
  metadata: { generation },
  status: { conditions },
});
const ready = (status: Condition['status'], reason: string, observedGeneration = 1): Condition => ({
  type: 'Ready',
  status,
  reason,
  observedGeneration,
});

describe('isReady', () => {
  it('is true only for Ready=True', () => {
    expect(isReady(withConditions([ready('True', 'DependenciesReady')]))).toBe(true);
    expect(isReady(withConditions([ready('False', 'DependenciesNotReady')]))).toBe(false);
    expect(isReady(withConditions([]))).toBe(false);
    expect(isReady({})).toBe(false);
  });

  it('ignores a Ready=True written for an older generation', () => {
    expect(isReady(withConditions([ready('True', 'DependenciesReady', 1)], 2))).toBe(false);
    expect(isReady(withConditions([ready('True', 'DependenciesReady', 2)], 2))).toBe(true);
  });
});

describe('classifyReadyReason', () => {
  it('sorts every reason upstream writes into ready, waiting or terminal', () => {
    expect(classifyReadyReason('DependenciesReady')).toBe('ready');
    for (const waiting of [
      CLAIM_READY_REASONS.warmPoolNotFound,
      CLAIM_READY_REASONS.templateNotFound,
      SANDBOX_READY_REASONS.dependenciesNotReady,
      CLAIM_READY_REASONS.adoptionConflict,
      CLAIM_READY_REASONS.sandboxCreatePending,
      SANDBOX_READY_REASONS.sandboxSuspended,
      undefined,
      'SomeReasonFromANewerController',
    ]) {
      expect(classifyReadyReason(waiting), String(waiting)).toBe('waiting');
    }
    for (const terminal of [
      CLAIM_READY_REASONS.invalidMetadata,
      CLAIM_READY_REASONS.envVarsInjectionRejected,
      CLAIM_READY_REASONS.volumeClaimTemplatesError,
      CLAIM_READY_REASONS.claimExpired,
      SANDBOX_READY_REASONS.sandboxExpired,
      SANDBOX_READY_REASONS.podFailed,
      SANDBOX_READY_REASONS.podSucceeded,
    ]) {
      expect(classifyReadyReason(terminal), terminal).toBe('terminal');
    }
  });
});

describe('readiness', () => {
  it('follows the Ready condition', () => {
    expect(readiness(withConditions([ready('True', 'DependenciesReady')]))).toBe('ready');
    expect(readiness(withConditions([ready('False', 'WarmPoolNotFound')]))).toBe('waiting');
    expect(readiness(withConditions([ready('False', 'ClaimExpired')]))).toBe('terminal');
  });

  it('is terminal when the pod finished, even while Ready still says DependenciesNotReady', () => {
    // What an alpha-only (v0.4.6) controller writes for a pod that failed before it was Ready.
    const claim = withConditions([
      ready('False', 'DependenciesNotReady'),
      { type: 'Finished', status: 'True', reason: 'PodFailed' },
    ]);
    expect(isFinished(claim)).toBe(true);
    expect(readyReason(claim)).toBe('DependenciesNotReady');
    expect(readiness(claim)).toBe('terminal');
  });
});
