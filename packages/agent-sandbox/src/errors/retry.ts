import { realClock, type Clock } from '../watch/clock.js';
import { backoffDelayMs, type BackoffPolicy } from '../watch/backoff.js';
import { AgentSandboxError } from './base.js';
import { translateError } from './from-api-exception.js';

export interface RetryOptions {
  /** Total attempts, the first included. Default 4. */
  maxAttempts?: number;
  backoff?: BackoffPolicy;
  clock?: Clock;
  signal?: AbortSignal | undefined;
}

/**
 * Runs `fn` again on retryable failures (429, 5xx, connection errors) with capped exponential
 * backoff and jitter, waiting at least the server's `Retry-After`.
 *
 * Only for requests that are safe to repeat: reads (get, list) and server-side apply of the same
 * body. Creates, replaces, patches and deletes are not retried: after a 5xx or a reset
 * connection the first attempt may have been applied, and repeating a create or a JSON patch
 * is not the same as doing it once.
 */
export async function retryIdempotent<T>(
  fn: () => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const maxAttempts = Math.max(1, options.maxAttempts ?? 4);
  const clock = options.clock ?? realClock;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      const error = translateError(e, options.signal);
      if (
        attempt + 1 >= maxAttempts ||
        !(error instanceof AgentSandboxError) ||
        !error.retryable ||
        error.code === 'GONE'
      ) {
        throw error;
      }
      const serverHint = (error as { retryAfterMs?: number }).retryAfterMs ?? 0;
      await clock.sleep(
        Math.max(serverHint, backoffDelayMs(attempt, options.backoff)),
        options.signal,
      );
    }
  }
}
