import { AbortedError, TimeoutError } from '../errors.js';

/** How long cleanup (deleting a half-made or disposed sandbox) may take; independent of the caller's signal. */
export const CLEANUP_TIMEOUT_MS = 30_000;

export function cleanupSignal(): AbortSignal {
  return AbortSignal.timeout(CLEANUP_TIMEOUT_MS);
}

export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new AbortedError(`${what} was aborted.`, { cause: signal.reason });
}

/**
 * One signal for a whole multi-step operation: the caller's signal plus a shared deadline, so
 * later steps get the remaining budget rather than a fresh timeout each.
 */
export function deadlineSignal(
  signal: AbortSignal | undefined,
  timeoutMs: number | undefined,
): {
  signal: AbortSignal | undefined;
  timedOut: () => boolean;
} {
  if (timeoutMs === undefined) return { signal, timedOut: () => false };
  const deadline = AbortSignal.timeout(timeoutMs);
  return {
    signal: signal ? AbortSignal.any([signal, deadline]) : deadline,
    timedOut: () => deadline.aborted && !signal?.aborted,
  };
}

/** Rewrites an abort caused by our own deadline into a `TimeoutError` that names the budget. */
export function asTimeout(
  error: unknown,
  timedOut: boolean,
  what: string,
  timeoutMs: number | undefined,
): unknown {
  if (!timedOut || error instanceof TimeoutError) return error;
  return new TimeoutError(
    `${what} did not finish within timeoutMs=${timeoutMs}. Raise timeoutMs, or check that the provider can start sandboxes on this host.`,
    { cause: error },
  );
}
