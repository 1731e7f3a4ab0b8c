/**
 * The one place where runner answers and transport failures become SDK errors. Nothing else in
 * the runner client looks at HTTP statuses or errno codes.
 */
import {
  AbortedError,
  AuthenticationError,
  ConflictError,
  ConnectionError,
  CorralError,
  InvalidArgumentError,
  NotFoundError,
  PathOutsideRootError,
  PermissionDeniedError,
  TimeoutError,
  type CorralErrorOptions,
} from '../errors.js';

type ErrorClass = new (message: string, options?: CorralErrorOptions) => CorralError;

const BY_CODE: Record<string, ErrorClass> = {
  INVALID_JSON: InvalidArgumentError,
  INVALID_ARGUMENT: InvalidArgumentError,
  BODY_TOO_LARGE: InvalidArgumentError,
  IS_A_DIRECTORY: InvalidArgumentError,
  NOT_A_DIRECTORY: InvalidArgumentError,
  RANGE_NOT_SATISFIABLE: InvalidArgumentError,
  METHOD_NOT_ALLOWED: InvalidArgumentError,
  UNAUTHENTICATED: AuthenticationError,
  NOT_FOUND: NotFoundError,
  PATH_OUTSIDE_ROOT: PathOutsideRootError,
  PERMISSION_DENIED: PermissionDeniedError,
  TASK_ALREADY_ASSIGNED: ConflictError,
  DIRECTORY_NOT_EMPTY: ConflictError,
  ALREADY_EXISTS: ConflictError,
  PROCESS_NOT_RUNNING: ConflictError,
  STDIN_CLOSED: ConflictError,
};

const BY_STATUS: Record<number, ErrorClass> = {
  400: InvalidArgumentError,
  401: AuthenticationError,
  403: PermissionDeniedError,
  404: NotFoundError,
  409: ConflictError,
  413: InvalidArgumentError,
};

/** Turns a runner error answer (`{code, message}`, or anything a proxy sent instead) into an error. */
export function errorFromRunnerResponse(
  status: number,
  body: string,
  operation: string,
  /** `x-corral-error-code`, which the runner also sends on bodiless answers (HEAD). */
  headerCode?: string,
): CorralError {
  let code: string | undefined = headerCode;
  let message: string | undefined;
  try {
    const parsed = JSON.parse(body) as { code?: unknown; message?: unknown; detail?: unknown };
    if (typeof parsed.code === 'string') code = parsed.code;
    if (typeof parsed.message === 'string') message = parsed.message;
    // sandbox-router errors are `{detail}`.
    else if (typeof parsed.detail === 'string') message = parsed.detail;
  } catch {
    message = body.slice(0, 500) || undefined;
  }
  const Class =
    (code !== undefined ? BY_CODE[code] : undefined) ?? BY_STATUS[status] ?? CorralError;
  // Gateway and availability failures may pass; the runner's own 500s are not retried.
  const retryable = status === 502 || status === 503 || status === 504 || code === 'SHUTTING_DOWN';
  return new Class(`${operation}: ${message ?? `runner answered HTTP ${status}`}`, {
    code: code ?? `HTTP_${status}`,
    httpStatus: status,
    retryable,
  });
}

/** Why a request was torn down, as decided by the transport before it destroyed the request. */
export type AbortReason =
  { kind: 'signal'; reason: unknown } | { kind: 'timeout'; timeoutMs: number };

export function errorFromTransport(
  error: unknown,
  operation: string,
  abort?: AbortReason,
): CorralError {
  if (error instanceof CorralError) return error;
  if (abort?.kind === 'signal') {
    return new AbortedError(`${operation} was aborted.`, { cause: abort.reason });
  }
  if (abort?.kind === 'timeout') {
    return new TimeoutError(`${operation} did not finish within ${abort.timeoutMs} ms.`, {
      code: 'TIMEOUT',
      retryable: true,
      cause: error,
    });
  }
  const errno = (error as { code?: unknown } | undefined)?.code;
  const detail = error instanceof Error ? error.message : String(error);
  return new ConnectionError(
    `${operation}: cannot reach the runner (${typeof errno === 'string' ? `${errno}: ` : ''}${detail}).`,
    { cause: error },
  );
}
