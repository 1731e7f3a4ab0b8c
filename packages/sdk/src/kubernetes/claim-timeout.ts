/**
 * A claim that did not become Ready in time: the error keeps what the claim last said (its Ready
 * reason and message), because that is what tells a missing pool from a slow node.
 */
import {
  CONDITION_TYPES,
  WaitTimeoutError,
  findCondition,
  isReady,
  type HasConditions,
} from '@corral/agent-sandbox';
import { CorralError, TimeoutError } from '../errors.js';
import { toSdkError } from './errors-map.js';

/** Reasons the caller fixes by creating something or pointing elsewhere, not by waiting longer. */
const PLACEMENT_REASONS = new Set(['WarmPoolNotFound', 'TemplateNotFound']);

/** True when the signal fired because of a deadline (`AbortSignal.timeout`, `Sandbox.create`'s `timeoutMs`). */
export function abortedByDeadline(signal: AbortSignal | undefined): boolean {
  const reason: unknown = signal?.reason;
  return (
    signal?.aborted === true &&
    reason instanceof Error &&
    (reason.name === 'TimeoutError' || reason instanceof TimeoutError)
  );
}

/**
 * The SDK's `TimeoutError` for a claim wait that ran out of time, from the waiter's own timeout
 * or from a deadline signal, with the claim's last Ready reason and message.
 */
export function claimTimeoutError(
  doing: string,
  claimRef: string,
  claim: HasConditions | undefined,
  cause: unknown,
): TimeoutError {
  const seen =
    cause instanceof WaitTimeoutError && cause.lastSeen !== undefined
      ? { reason: cause.lastSeen.reason, message: cause.lastSeen.message }
      : readyOf(claim);
  const said =
    seen.reason === undefined
      ? 'it had no Ready reason yet'
      : `its last Ready reason was ${seen.reason}${seen.message ? ` (${seen.message})` : ''}`;
  const fix =
    seen.reason !== undefined && PLACEMENT_REASONS.has(seen.reason)
      ? 'Waiting longer will not help: create that pool or template, or name one that exists in this namespace.'
      : 'Raise timeoutMs, or check the controller and the pool (`kubectl describe sandboxclaim`).';
  const within = cause instanceof WaitTimeoutError ? `within ${cause.timeoutMs} ms` : 'in time';
  return new TimeoutError(
    `${doing}: SandboxClaim ${claimRef} did not become Ready ${within}; ${said}. ${fix}`,
    {
      cause,
      retryable: seen.reason === undefined || !PLACEMENT_REASONS.has(seen.reason),
      lastReason: seen.reason,
      lastMessage: seen.message,
    },
  );
}

function readyOf(claim: HasConditions | undefined): {
  reason: string | undefined;
  message: string | undefined;
} {
  const ready = claim === undefined ? undefined : findCondition(claim, CONDITION_TYPES.ready);
  return { reason: ready?.reason, message: ready?.message };
}

/**
 * The error of a create whose claim wait failed: a timeout (the waiter's, or a deadline signal
 * while the claim was still not Ready) becomes `claimTimeoutError`; anything else `toSdkError`.
 */
export function createWaitError(
  raw: unknown,
  context: {
    signal: AbortSignal | undefined;
    doing: string;
    claimRef: string;
    claim: HasConditions | undefined;
  },
): CorralError {
  const stillWaiting = context.claim === undefined || !isReady(context.claim);
  if (
    raw instanceof WaitTimeoutError ||
    (stillWaiting && abortedByDeadline(context.signal) && !(raw instanceof CorralError))
  ) {
    return claimTimeoutError(context.doing, context.claimRef, context.claim, raw);
  }
  return toSdkError(raw, { signal: context.signal, doing: context.doing });
}

/** The create's error, extended when deleting the half-made claim failed too. */
export function withRollbackFailure(
  error: CorralError,
  claimRef: string,
  rollbackError: Error | undefined,
): CorralError {
  if (rollbackError === undefined) return error;
  return new CorralError(
    `${error.message} Deleting the half-made claim ${claimRef} also failed ` +
      `(${rollbackError.message}); its lifecycle.shutdownTime will remove it.`,
    { code: error.code, retryable: error.retryable, cause: error },
  );
}
