/**
 * The SDK's one error hierarchy. Every error the SDK throws is a `CorralError` with a stable
 * UPPER_SNAKE `code` and a `retryable` flag; subclasses exist only for conditions a caller acts
 * on. Transport and wire errors are translated to these classes in one place per transport
 * (for the runner: `errorFromRunnerResponse` in `runner-client/errors-map.ts`).
 */

export interface CorralErrorOptions {
  /** Stable UPPER_SNAKE code; defaults per class. */
  code?: string;
  retryable?: boolean;
  httpStatus?: number;
  cause?: unknown;
}

export class CorralError extends Error {
  /** Stable machine-readable code, e.g. `NOT_FOUND`, `PATH_OUTSIDE_ROOT`. */
  readonly code: string;
  /** Whether repeating the same call unchanged may succeed. */
  readonly retryable: boolean;
  /** The HTTP status the error came with, when it came from an HTTP answer. */
  readonly httpStatus?: number;

  constructor(message: string, options: CorralErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code ?? 'INTERNAL';
    this.retryable = options.retryable ?? false;
    if (options.httpStatus !== undefined) this.httpStatus = options.httpStatus;
  }

  /** A plain object safe to log (no cause chain, no stack). */
  toJSON(): {
    name: string;
    code: string;
    message: string;
    retryable: boolean;
    httpStatus?: number;
  } {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      ...(this.httpStatus === undefined ? {} : { httpStatus: this.httpStatus }),
    };
  }
}

function withDefaults(
  options: CorralErrorOptions,
  code: string,
  retryable = false,
): CorralErrorOptions {
  return { ...options, code: options.code ?? code, retryable: options.retryable ?? retryable };
}

/** A file, directory, command or other named thing does not exist. */
export class NotFoundError extends CorralError {
  constructor(message: string, options: CorralErrorOptions = {}) {
    super(message, withDefaults(options, 'NOT_FOUND'));
  }
}

/** The sandbox itself is gone (deleted, expired, or never existed). */
export class SandboxNotFoundError extends NotFoundError {
  constructor(message: string, options: CorralErrorOptions = {}) {
    super(message, withDefaults(options, 'SANDBOX_NOT_FOUND'));
  }
}

/** The caller is authenticated but may not do this. */
export class PermissionDeniedError extends CorralError {
  constructor(message: string, options: CorralErrorOptions = {}) {
    super(message, withDefaults(options, 'PERMISSION_DENIED'));
  }
}

/** A path resolves outside the sandbox's root (`..`, absolute path, or symlink escape). */
export class PathOutsideRootError extends PermissionDeniedError {
  constructor(message: string, options: CorralErrorOptions = {}) {
    super(message, withDefaults(options, 'PATH_OUTSIDE_ROOT'));
  }
}

/** The request conflicts with the current state (task already assigned, directory not empty, ...). */
export class ConflictError extends CorralError {
  constructor(message: string, options: CorralErrorOptions = {}) {
    super(message, withDefaults(options, 'CONFLICT'));
  }
}

/** The caller passed something invalid; the message names the field and how to fix it. */
export class InvalidArgumentError extends CorralError {
  constructor(message: string, options: CorralErrorOptions = {}) {
    super(message, withDefaults(options, 'INVALID_ARGUMENT'));
  }
}

/** Missing or wrong credentials (e.g. the runner's bearer token). */
export class AuthenticationError extends CorralError {
  constructor(message: string, options: CorralErrorOptions = {}) {
    super(message, withDefaults(options, 'UNAUTHENTICATED'));
  }
}

/** A deadline passed (`timeoutMs` of a call, a wait, or a command). */
export class TimeoutError extends CorralError {
  constructor(message: string, options: CorralErrorOptions = {}) {
    super(message, withDefaults(options, 'TIMEOUT'));
  }
}

/** The transport failed (refused, reset, closed mid-answer). Retryable for idempotent calls. */
export class ConnectionError extends CorralError {
  constructor(message: string, options: CorralErrorOptions = {}) {
    super(message, withDefaults(options, 'CONNECTION_FAILED', true));
  }
}

/** The requested isolation (gVisor, bubblewrap, ...) is not available on this host. */
export class IsolationUnavailableError extends CorralError {
  constructor(message: string, options: CorralErrorOptions = {}) {
    super(message, withDefaults(options, 'ISOLATION_UNAVAILABLE'));
  }
}

/** The caller's `AbortSignal` fired. `cause` is the signal's reason. */
export class AbortedError extends CorralError {
  constructor(message = 'The operation was aborted.', options: CorralErrorOptions = {}) {
    super(message, withDefaults(options, 'ABORTED'));
  }
}
