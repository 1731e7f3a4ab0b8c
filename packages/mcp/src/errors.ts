/**
 * The MCP server's own errors. Anything a tool throws becomes a tool result with `isError: true`
 * (see `tool-result.ts`); these classes carry the conditions the server itself detects. Errors from
 * the SDK keep their own `code`.
 */
export class McpServerError extends Error {
  /** Stable UPPER_SNAKE code. */
  readonly code: string;
  readonly retryable: boolean;

  constructor(
    message: string,
    options: { code?: string; retryable?: boolean; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code ?? 'MCP_ERROR';
    this.retryable = options.retryable ?? false;
  }
}

/** The sandbox id is not one this client created (another client's, deleted, or never made). */
export class SandboxNotOwnedError extends McpServerError {
  constructor(message: string) {
    super(message, { code: 'SANDBOX_NOT_OWNED' });
  }
}

/** A size or count limit the operator set (upload size, sandboxes per client). */
export class LimitExceededError extends McpServerError {
  constructor(message: string) {
    super(message, { code: 'LIMIT_EXCEEDED' });
  }
}

/** The model asked for something only the operator may choose (e.g. the network policy). */
export class NotAllowedError extends McpServerError {
  constructor(message: string) {
    super(message, { code: 'NOT_ALLOWED' });
  }
}

/** The server options themselves are wrong (a programming or flag error, not a tool error). */
export class InvalidServerOptionsError extends McpServerError {
  constructor(message: string) {
    super(message, { code: 'INVALID_SERVER_OPTIONS' });
  }
}
