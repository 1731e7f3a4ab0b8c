/**
 * `corral doctor`'s checks as a stream for `corral serve`'s Test connection: the same check list
 * (`checksFor`) and runner (`runChecks`), each check sent as `running` when it starts and again
 * with its result, so the console shows a live indicator per check.
 */
import { CorralError } from '@corral/sdk';
import type { ConnectionCheck, Settings } from '@corral/server';
import { checksFor } from './doctor.js';
import { runChecks } from './run-checks.js';
import type { CheckResult, DoctorOptions, DoctorState } from './types.js';

export function doctorOptionsFor(settings: Settings): DoctorOptions {
  const k = settings.kubernetes;
  return {
    mode: settings.provider,
    runtimeClass: k.runtimeClassName ?? 'gvisor',
    ...(k.context === null ? {} : { context: k.context }),
    ...(k.namespace === null ? {} : { namespace: k.namespace }),
    ...(k.warmPool === null ? {} : { warmPool: k.warmPool }),
  };
}

function view(result: CheckResult): ConnectionCheck {
  return {
    id: result.id,
    title: result.title,
    status: result.status,
    detail: result.detail,
    fix: result.fix ?? null,
  };
}

export function streamDoctorChecks(
  env: Readonly<Record<string, string | undefined>>,
  timeoutMs = 10_000,
): (settings: Settings, signal: AbortSignal) => AsyncIterable<ConnectionCheck> {
  return async function* (settings, signal) {
    const options = doctorOptionsFor(settings);
    const checks = checksFor(options);
    const state: DoctorState = { options, env };
    const queue: ConnectionCheck[] = [];
    let wake: (() => void) | undefined;
    const push = (c: ConnectionCheck) => {
      queue.push(c);
      wake?.();
    };
    const running = (i: number) => {
      const next = checks[i];
      if (next) push({ id: next.id, title: next.title, status: 'running', detail: '', fix: null });
    };
    let index = 0;
    running(0);
    let finished = false;
    let failure: Error | undefined;
    void runChecks(checks, state, {
      timeoutMs,
      signal,
      onResult: (result) => {
        push(view(result));
        running(++index);
      },
    })
      .then(
        () => (finished = true),
        (error: unknown) => {
          failure = error instanceof Error ? error : new CorralError(String(error));
          finished = true;
        },
      )
      .finally(() => wake?.());
    for (;;) {
      const next = queue.shift();
      if (next) {
        yield next;
        continue;
      }
      if (finished) break;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
    if (failure !== undefined && !signal.aborted) throw failure;
  };
}
