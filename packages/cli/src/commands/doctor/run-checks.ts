import { TimeoutError } from '@corral/sdk';
import type { Check, CheckOutcome, CheckResult, DoctorState } from './types.js';

export interface RunChecksOptions {
  /** Budget of each check; a check that runs over fails with a timeout. */
  timeoutMs: number;
  /** Aborted on Ctrl-C: the run stops and the abort propagates. */
  signal: AbortSignal;
  /** Called as each check finishes (for a live spinner). */
  onResult?: (result: CheckResult) => void;
}

/**
 * Runs the checks in order. A check whose prerequisite failed or was skipped is skipped with the
 * reason, so an unreachable cluster gives one failure and a list of skips, not a wall of errors.
 */
export async function runChecks(
  checks: readonly Check[],
  state: DoctorState,
  options: RunChecksOptions,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const byId = new Map<string, CheckResult>();
  for (const check of checks) {
    options.signal.throwIfAborted();
    const blocker = (check.needs ?? [])
      .map((id) => byId.get(id))
      .find((r) => r !== undefined && (r.status === 'fail' || r.status === 'skip'));
    const started = performance.now();
    const outcome: CheckOutcome =
      blocker !== undefined
        ? {
            status: 'skip',
            detail: `skipped: ${blocker.title} ${blocker.status === 'fail' ? 'failed' : 'was skipped'}`,
          }
        : await runOne(check, state, options);
    const result: CheckResult = {
      id: check.id,
      title: check.title,
      ...outcome,
      durationMs: Math.round(performance.now() - started),
    };
    results.push(result);
    byId.set(check.id, result);
    options.onResult?.(result);
  }
  return results;
}

async function runOne(
  check: Check,
  state: DoctorState,
  options: RunChecksOptions,
): Promise<CheckOutcome> {
  const timeout = new AbortController();
  const signal = AbortSignal.any([options.signal, timeout.signal]);
  let timer: NodeJS.Timeout | undefined;
  // A check that ignores its signal must still not hold the whole run past its budget.
  const deadline = new Promise<CheckOutcome>((resolve) => {
    timer = setTimeout(() => {
      timeout.abort(new TimeoutError(`The check gave no answer within ${options.timeoutMs} ms.`));
      resolve({
        status: 'fail',
        detail: `no answer within ${options.timeoutMs} ms`,
        fix: 'Check the network path to the cluster (VPN, proxy, firewall), or raise --timeout.',
      });
    }, options.timeoutMs);
  });
  try {
    return await Promise.race([
      check.run(state, signal).catch((error: unknown): CheckOutcome => {
        if (options.signal.aborted) throw error;
        if (timeout.signal.aborted) {
          return {
            status: 'fail',
            detail: `no answer within ${options.timeoutMs} ms`,
            fix: 'Check the network path to the cluster (VPN, proxy, firewall), or raise --timeout.',
          };
        }
        return {
          status: 'fail',
          detail: `the check itself failed: ${error instanceof Error ? error.message : String(error)}`,
          fix: 'Rerun with CORRAL_DEBUG=1 and report this as a Corral bug.',
        };
      }),
      deadline,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
