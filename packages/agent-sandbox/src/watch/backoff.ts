/** Capped exponential backoff with jitter. */
export interface BackoffPolicy {
  /** First delay. Default 250 ms. */
  initialMs?: number;
  /** Ceiling. Default 30 s. */
  maxMs?: number;
  /** Growth per attempt. Default 2. */
  factor?: number;
  /** Fraction of the delay randomised away (0..1), so many clients do not retry in step. Default 0.2. */
  jitter?: number;
  /** Source of randomness in [0, 1); injectable for tests. */
  random?: () => number;
}

/** Delay before retry number `attempt` (0-based). */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy = {}): number {
  const initial = policy.initialMs ?? 250;
  const max = policy.maxMs ?? 30_000;
  const factor = policy.factor ?? 2;
  const jitter = Math.min(1, Math.max(0, policy.jitter ?? 0.2));
  const random = policy.random ?? Math.random;
  const base = Math.min(max, initial * factor ** Math.min(attempt, 64));
  return Math.round(base * (1 - jitter * random()));
}
