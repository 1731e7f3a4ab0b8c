/**
 * The orchestrator's errors. They extend the SDK's `CorralError`, so one `catch` with
 * `error.code` covers the SDK and the orchestrator; failures of a task are data (the record's
 * `failure`), and only misuse (bad input, a closed orchestrator) is thrown.
 */
import {
  CorralError,
  type CorralErrorCode,
  type CorralErrorOptions,
  type OrchestratorErrorCode,
} from '@corral/sdk';

export type { OrchestratorErrorCode };

/** `TaskFailure.code`: a task's end as data, from the orchestrator, the runner or the provider. */
export type TaskFailureCode = CorralErrorCode;

export class OrchestratorError extends CorralError {
  constructor(message: string, options: CorralErrorOptions = {}) {
    super(message, { ...options, code: options.code ?? 'ORCHESTRATOR_ERROR' });
  }
}

/** `runTask` or `submit` after `close()`. */
export class OrchestratorClosedError extends OrchestratorError {
  constructor(message = 'The orchestrator is closed; create a new one with createOrchestrator().') {
    super(message, { code: 'ORCHESTRATOR_CLOSED' });
  }
}

/** A task or an option is invalid; the message names the field and how to fix it. */
export class InvalidTaskError extends OrchestratorError {
  constructor(message: string) {
    super(message, { code: 'INVALID_ARGUMENT' });
  }
}

/** A stable code for an unknown thrown value, for `TaskFailure.code`. */
export function codeOf(error: unknown): TaskFailureCode {
  return error instanceof CorralError ? error.code : 'INTERNAL';
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
