import type { RunnerErrorCode } from '../wire.js';

/** Thrown by handlers; the server's one error handler turns it into a `{code, message}` body. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: RunnerErrorCode;
  readonly headers: Record<string, string>;
  /** More fields for the JSON body, beside `code` and `message` (e.g. FastAPI's `detail`). */
  extra: Record<string, unknown> = {};

  constructor(
    status: number,
    code: RunnerErrorCode,
    message: string,
    headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

/** Adds fields to the error's JSON body; returns the error for `throw withBody(...)`. */
export function withBody(error: HttpError, extra: Record<string, unknown>): HttpError {
  error.extra = { ...error.extra, ...extra };
  return error;
}

export function invalidArgument(message: string): HttpError {
  return new HttpError(400, 'INVALID_ARGUMENT', message);
}

export function notFound(message: string): HttpError {
  return new HttpError(404, 'NOT_FOUND', message);
}

function errnoCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error
    ? String(error.code)
    : undefined;
}

/** Maps a filesystem error to the HTTP error callers can act on; `what` names the path. */
export function fsError(error: unknown, what: string): HttpError {
  switch (errnoCode(error)) {
    case 'ENOENT':
      return new HttpError(404, 'NOT_FOUND', `${what}: no such file or directory`);
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new HttpError(403, 'PERMISSION_DENIED', `${what}: permission denied`);
    case 'ENOTDIR':
      return new HttpError(400, 'NOT_A_DIRECTORY', `${what}: a parent is not a directory`);
    case 'EISDIR':
      return new HttpError(400, 'IS_A_DIRECTORY', `${what} is a directory`);
    case 'ENOTEMPTY':
      return new HttpError(
        409,
        'DIRECTORY_NOT_EMPTY',
        `${what} is a non-empty directory; pass recursive=true to remove it with its contents`,
      );
    case 'EEXIST':
      return new HttpError(409, 'ALREADY_EXISTS', `${what} already exists`);
    default:
      return new HttpError(
        500,
        'INTERNAL',
        `${what}: ${error instanceof Error ? error.message : String(error)}`,
      );
  }
}

export { errnoCode };
