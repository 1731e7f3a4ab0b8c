/**
 * The root of every error `@corral/agent-sandbox` throws. `code` is stable (UPPER_SNAKE) so
 * callers can switch on it; `retryable` says whether repeating the same idempotent request
 * later may succeed. Every code is listed in `AgentSandboxErrorCode` (and in docs/errors.md), so
 * a `switch` or a `Record<AgentSandboxErrorCode, …>` over it is checked by the compiler.
 */
export type AgentSandboxErrorCode =
  // the API server answered with a failure status (`KubernetesApiError` subclasses)
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'CONFLICT'
  | 'GONE'
  | 'INVALID'
  | 'TOO_MANY_REQUESTS'
  | 'SERVER_ERROR'
  | 'UNEXPECTED_STATUS'
  // no answer at all
  | 'CONNECTION_FAILED'
  // configuration and input
  | 'CONFIG_NOT_FOUND'
  | 'UNSUPPORTED_REQUEST'
  | 'INVALID_ARGUMENT'
  | 'NOT_INSTALLED'
  | 'SCHEMA_INVALID'
  // waits
  | 'CLAIM_FAILED'
  | 'SANDBOX_FAILED'
  | 'WAIT_TIMEOUT'
  | 'OBJECT_DELETED'
  // informers
  | 'INFORMER_STOPPED'
  | 'INFORMER_NOT_RUNNING';

export class AgentSandboxError extends Error {
  readonly code: AgentSandboxErrorCode;
  readonly retryable: boolean;

  constructor(
    code: AgentSandboxErrorCode,
    message: string,
    options: { retryable?: boolean; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/** An informer was stopped (or released by its last user) while something still waited on it. */
export class InformerStoppedError extends AgentSandboxError {
  constructor(message: string) {
    super('INFORMER_STOPPED', message);
  }
}

/** An informer was used before `start()` (or after it failed and was not restarted). */
export class InformerNotRunningError extends AgentSandboxError {
  constructor(message: string) {
    super('INFORMER_NOT_RUNNING', message);
  }
}
