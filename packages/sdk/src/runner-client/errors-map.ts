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
import type { RunnerErrorCode } from '@corral/runner';
import { compact } from '../compact.js';

type ErrorClass = new (message: string, options?: CorralErrorOptions) => CorralError;

/** Every runner code, mapped: a new `RunnerErrorCode` does not compile until it is listed here. */
const BY_CODE: Record<RunnerErrorCode, ErrorClass> = {
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
  NOT_A_PTY: ConflictError,
  PTY_NOT_READY: ConflictError,
  SPAWN_FAILED: CorralError,
  SHUTTING_DOWN: ConnectionError,
  INTERNAL: CorralError,
};

function isRunnerCode(code: string | undefined): code is RunnerErrorCode {
  return code !== undefined && Object.hasOwn(BY_CODE, code);
}

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
  const known = isRunnerCode(code) ? code : undefined;
  const Class =
    (known !== undefined ? BY_CODE[known] : undefined) ?? BY_STATUS[status] ?? CorralError;
  // Gateway and availability failures may pass; the runner's own 500s are not retried.
  const retryable = status === 502 || status === 503 || status === 504 || code === 'SHUTTING_DOWN';
  // a code this SDK does not know (a newer runner, a proxy) is kept in the message
  const unknown = code !== undefined && known === undefined ? ` [${code}]` : '';
  return new Class(`${operation}: ${message ?? `runner answered HTTP ${status}`}${unknown}`, {
    // without a known code: the status's class decides (404 → NOT_FOUND), else HTTP_ERROR
    ...compact({ code: known ?? (Class === CorralError ? ('HTTP_ERROR' as const) : undefined) }),
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
