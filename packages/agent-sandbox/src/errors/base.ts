/**
 * The root of every error `@corral/agent-sandbox` throws. `code` is stable (UPPER_SNAKE) so
 * callers can switch on it; `retryable` says whether repeating the same idempotent request
 * later may succeed.
 */
export class AgentSandboxError extends Error {
  readonly code: string;
  readonly retryable: boolean;

  constructor(
    code: string,
    message: string,
    options: { retryable?: boolean; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}
