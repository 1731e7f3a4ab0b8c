import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { ManualClock, KubeNotFoundError, ServerError, retryIdempotent } from '../../src/index.js';

const body = (code: number, reason: string) =>
  JSON.stringify({ kind: 'Status', code, reason, message: reason });

describe('retryIdempotent', () => {
  it('retries retryable failures with capped backoff, honouring Retry-After', async () => {
    const clock = new ManualClock();
    const failures = [
      new ApiException(503, 'x', body(503, 'ServiceUnavailable'), {}),
      new ApiException(429, 'x', body(429, 'TooManyRequests'), { 'retry-after': '5' }),
    ];
    let calls = 0;
    const result = retryIdempotent(
      () => {
        calls++;
        const failure = failures.shift();
        return failure ? Promise.reject(failure) : Promise.resolve('ok');
      },
      { clock, backoff: { initialMs: 100, jitter: 0 } },
    );
    await clock.waitForSleeps(1);
    expect(clock.pendingDelays()).toEqual([100]);
    await clock.advance(100);
    await clock.waitForSleeps(1);
    expect(clock.pendingDelays()).toEqual([5000]);
    await clock.advance(5000);
    await expect(result).resolves.toBe('ok');
    expect(calls).toBe(3);
  });

  it('does not retry non-retryable errors and gives up after maxAttempts', async () => {
    const clock = new ManualClock();
    await expect(
      retryIdempotent(() => Promise.reject(new ApiException(404, 'x', body(404, 'NotFound'), {})), {
        clock,
      }),
    ).rejects.toBeInstanceOf(KubeNotFoundError);
    let calls = 0;
    const result = retryIdempotent(
      () => {
        calls++;
        return Promise.reject(new ApiException(500, 'x', body(500, 'InternalError'), {}));
      },
      { clock, maxAttempts: 2, backoff: { jitter: 0 } },
    );
    const settled = expect(result).rejects.toBeInstanceOf(ServerError);
    await clock.waitForSleeps(1);
    await clock.advance(10_000);
    await settled;
    expect(calls).toBe(2);
  });
});
