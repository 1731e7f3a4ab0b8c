/**
 * How a task ended, judged once the flow is over: from the runner's result, the pod's terminal
 * conditions, or the failure that cut the flow short.
 */
import type { SandboxExit, TaskResult } from '@corral/sdk';
import type { TaskFailure, TaskState } from './types.js';

export type Completion =
  | { kind: 'result'; result: TaskResult }
  | { kind: 'finished'; finished: SandboxExit; result?: TaskResult };

export interface Outcome {
  state: TaskState;
  exitCode?: number | null;
  failure?: TaskFailure;
}

/** The flow's failure when there is one (`cancelled` when the caller's signal caused it). */
export interface FlowFailure {
  failure: TaskFailure;
  cancelled: boolean;
}

export function outcomeOf(
  failed: FlowFailure | undefined,
  completion: Completion | undefined,
): Outcome {
  if (failed === undefined) return judge(completion!);
  const { failure, cancelled } = failed;
  const state = cancelled ? 'cancelled' : failure.code === 'TASK_TIMEOUT' ? 'timed-out' : 'failed';
  return { state, failure };
}

export function completedBy(completion: Completion): 'runner' | 'conditions' {
  return completion.kind === 'result' ? 'runner' : 'conditions';
}

function judge(completion: Completion): Outcome {
  if (completion.kind === 'finished') {
    const { succeeded, message } = completion.finished;
    if (succeeded) return { state: 'succeeded', exitCode: 0 };
    return {
      state: 'failed',
      failure: {
        code: 'POD_FAILED',
        message: `The sandbox's pod failed${message ? `: ${message}` : ''}.`,
        phase: 'run',
      },
    };
  }
  const r = completion.result;
  if (r.timedOut) {
    return {
      state: 'timed-out',
      exitCode: r.exitCode,
      failure: {
        code: 'TASK_TIMEOUT',
        message: `The task ran past its timeoutMs and was killed after ${r.durationMs} ms.`,
        phase: 'run',
      },
    };
  }
  if (r.error !== undefined) {
    return {
      state: 'failed',
      exitCode: r.exitCode,
      failure: { code: 'TASK_START_FAILED', message: r.error, phase: 'run' },
    };
  }
  if (r.exitCode === 0) return { state: 'succeeded', exitCode: 0 };
  return {
    state: 'failed',
    exitCode: r.exitCode,
    failure: {
      code: 'TASK_EXIT_NONZERO',
      message:
        r.exitCode === null
          ? `The task was killed by ${r.signal ?? 'a signal'}.`
          : `The task exited with code ${r.exitCode}.`,
      phase: 'run',
    },
  };
}
