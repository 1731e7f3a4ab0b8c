/**
 * The agents package's one error hierarchy: an `AgentError` has a stable UPPER_SNAKE `code` and
 * `retryable`. Errors from the SDK (sandbox create, runner) pass through unchanged; these are
 * the conditions an agent run adds.
 */
export interface AgentErrorOptions {
  code?: string;
  retryable?: boolean;
  cause?: unknown;
}

export class AgentError extends Error {
  readonly code: string;
  readonly retryable: boolean;

  constructor(message: string, options: AgentErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code ?? 'AGENT_ERROR';
    this.retryable = options.retryable ?? false;
  }

  toJSON(): { name: string; code: string; message: string; retryable: boolean } {
    return { name: this.name, code: this.code, message: this.message, retryable: this.retryable };
  }
}

/** Bad options: says what is wrong and how to fix it. */
export class InvalidAgentOptionsError extends AgentError {
  constructor(message: string) {
    super(message, { code: 'INVALID_ARGUMENT' });
  }
}

/** The agent CLI is not in the install cache. */
export class AgentNotInstalledError extends AgentError {
  constructor(message: string) {
    super(message, { code: 'AGENT_NOT_INSTALLED' });
  }
}

/** The workspace could not be prepared (missing directory, repo not cloneable). */
export class WorkspaceError extends AgentError {
  constructor(message: string, options: AgentErrorOptions = {}) {
    super(message, { ...options, code: options.code ?? 'WORKSPACE_UNAVAILABLE' });
  }
}

/** The run ended without success: agent failure, API errors, limits, timeout, cancellation. */
export class AgentRunError extends AgentError {}
