import { compact } from '@corral/sdk';
/**
 * The server's one error hierarchy. Every `ServerError` has a stable UPPER_SNAKE `code`, the
 * HTTP status it answers with, `retryable`, and for bad input the `field` it is about. Errors of
 * the layers below (SDK, agents) are translated in exactly one place: `toServerError`.
 */
export type ServerErrorCode =
  | 'BAD_REQUEST'
  | 'INVALID_JSON'
  | 'UNKNOWN_FIELD'
  | 'INVALID_FIELD'
  | 'UNAUTHORIZED'
  | 'PATH_OUTSIDE_WORKDIR'
  | 'NOT_FOUND'
  | 'NO_ROUTE'
  | 'CONFLICT'
  | 'BODY_TOO_LARGE'
  | 'UNPROCESSABLE'
  | 'STORE_LOCKED'
  | 'STORE_FAILED'
  | 'RUNNER_UNREACHABLE'
  | 'INTERNAL';

const STATUS: Record<ServerErrorCode, number> = {
  BAD_REQUEST: 400,
  INVALID_JSON: 400,
  UNKNOWN_FIELD: 400,
  INVALID_FIELD: 400,
  UNAUTHORIZED: 401,
  PATH_OUTSIDE_WORKDIR: 403,
  NOT_FOUND: 404,
  NO_ROUTE: 404,
  CONFLICT: 409,
  BODY_TOO_LARGE: 413,
  UNPROCESSABLE: 422,
  STORE_LOCKED: 503,
  STORE_FAILED: 500,
  RUNNER_UNREACHABLE: 502,
  INTERNAL: 500,
};

export interface ServerErrorOptions {
  field?: string;
  retryable?: boolean;
  cause?: unknown;
}

export class ServerError extends Error {
  readonly code: ServerErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  readonly field: string | undefined;

  constructor(code: ServerErrorCode, message: string, options: ServerErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ServerError';
    this.code = code;
    this.status = STATUS[code];
    this.retryable = options.retryable ?? false;
    this.field = options.field;
  }

  toBody(): { error: { code: string; message: string; field?: string } } {
    return {
      error: compact({
        code: this.code,
        message: this.message,
        field: this.field,
      }),
    };
  }
}

/** Codes of the SDK and agents packages, by the status they answer with. */
const BELOW: Record<string, ServerErrorCode> = {
  INVALID_ARGUMENT: 'BAD_REQUEST',
  SANDBOX_NOT_FOUND: 'NOT_FOUND',
  NOT_FOUND: 'NOT_FOUND',
  PATH_OUTSIDE_ROOT: 'PATH_OUTSIDE_WORKDIR',
  CONFLICT: 'CONFLICT',
  ALREADY_EXISTS: 'CONFLICT',
  NOT_AWAITING_APPROVAL: 'CONFLICT',
  AGENT_NOT_INSTALLED: 'UNPROCESSABLE',
  WORKSPACE_UNAVAILABLE: 'UNPROCESSABLE',
  ISOLATION_UNAVAILABLE: 'UNPROCESSABLE',
  BODY_TOO_LARGE: 'BODY_TOO_LARGE',
};

/** The one place errors from below become API errors. */
export function toServerError(error: unknown): ServerError {
  if (error instanceof ServerError) return error;
  const code =
    error && typeof error === 'object' && 'code' in error && typeof error.code === 'string'
      ? error.code
      : undefined;
  const message = error instanceof Error ? error.message : String(error);
  const mapped = code === undefined ? undefined : BELOW[code];
  if (mapped) return new ServerError(mapped, message, { cause: error });
  return new ServerError('INTERNAL', code ? `${code}: ${message}` : message, { cause: error });
}
