import { AgentSandboxError } from './base.js';
import {
  AlreadyExistsError,
  BadRequestError,
  KubeConflictError,
  KubeConnectionError,
  ForbiddenError,
  GoneError,
  InvalidError,
  KubeNotFoundError,
  ServerError,
  TooManyRequestsError,
  UnauthorizedError,
  UnexpectedStatusError,
  type KubernetesApiError,
  type KubernetesStatus,
} from './kubernetes-errors.js';

/**
 * The one place where transport failures become typed errors.
 *
 * client-node 1.4.0 throws `ApiException { code, body, headers }` where `body` is the raw
 * response text for custom objects (a `metav1.Status` JSON string), an already-parsed object for
 * some generated APIs, and `undefined` for 401. Its `Watch` reports a non-200 answer as a plain
 * `Error` with `statusCode`. node-fetch reports network failures as `FetchError` (`type:
 * 'system'`).
 */
export function fromApiException(e: unknown): AgentSandboxError {
  if (e instanceof AgentSandboxError) return e;
  const statusCode = statusCodeOf(e);
  if (statusCode !== undefined) {
    const record = e as { body?: unknown; headers?: unknown };
    return fromStatus(statusCode, parseStatusBody(record.body), headerOf(record.headers), e);
  }
  const message = e instanceof Error ? e.message : String(e);
  return new KubeConnectionError(`Could not reach the Kubernetes API server: ${message}`, e);
}

/** Builds the typed error for an HTTP status and its (possibly missing) `metav1.Status` body. */
export function fromStatus(
  statusCode: number,
  status: KubernetesStatus | undefined,
  retryAfterHeader?: string,
  cause?: unknown,
): KubernetesApiError {
  const init = { statusCode, status, cause };
  switch (statusCode) {
    case 400:
      return new BadRequestError(init);
    case 401:
      return new UnauthorizedError(init);
    case 403:
      return new ForbiddenError(init);
    case 404:
      return new KubeNotFoundError(init);
    case 409:
      return status?.reason === 'AlreadyExists'
        ? new AlreadyExistsError(init)
        : new KubeConflictError(init);
    case 410:
      return new GoneError(init);
    case 422:
      return new InvalidError(init);
    case 429:
      return new TooManyRequestsError({
        ...init,
        retryAfterMs: retryAfterMs(retryAfterHeader, status),
      });
    default:
      if (statusCode >= 500) {
        return new ServerError({ ...init, retryAfterMs: retryAfterMs(retryAfterHeader, status) });
      }
      return new UnexpectedStatusError(init);
  }
}

/**
 * Sorts any thrown value into: the caller's abort (returned unchanged, so `signal.reason`
 * propagates), errors already typed, transport failures (typed), and programming errors
 * (returned unchanged).
 */
export function translateError(e: unknown, signal?: AbortSignal): unknown {
  if (signal?.aborted === true) return signal.reason;
  if (e instanceof AgentSandboxError) return e;
  if (statusCodeOf(e) !== undefined || isNetworkError(e)) return fromApiException(e);
  return e;
}

function statusCodeOf(e: unknown): number | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const r = e as { code?: unknown; statusCode?: unknown; name?: unknown };
  // ApiException carries the HTTP status in `code`; node errors use `code` for strings like ECONNRESET.
  if (typeof r.code === 'number' && r.code >= 100 && r.code < 600) return r.code;
  if (typeof r.statusCode === 'number') return r.statusCode;
  return undefined;
}

function isNetworkError(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const r = e as Error & { type?: unknown; code?: unknown };
  if (r.name === 'FetchError') return r.type !== 'aborted';
  return typeof r.code === 'string' && /^(E[A-Z_]+|UND_ERR_\w+|ERR_TLS\w*)$/.test(r.code);
}

function parseStatusBody(body: unknown): KubernetesStatus | undefined {
  if (body === undefined || body === null || body === '') return undefined;
  if (typeof body === 'object') return body;
  if (typeof body !== 'string') return undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null ? parsed : undefined;
  } catch {
    // A proxy in front of the API server may answer with HTML or plain text.
    return { message: body.length > 500 ? `${body.slice(0, 500)}…` : body };
  }
}

function headerOf(headers: unknown): string | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined;
  for (const [key, value] of Object.entries(headers as Record<string, unknown>)) {
    if (key.toLowerCase() === 'retry-after' && typeof value === 'string') return value;
  }
  return undefined;
}

function retryAfterMs(
  header: string | undefined,
  status: KubernetesStatus | undefined,
): number | undefined {
  if (header !== undefined) {
    const seconds = Number(header);
    if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
    const date = Date.parse(header);
    if (!Number.isNaN(date)) return Math.max(0, date - Date.now());
  }
  const seconds = status?.details?.retryAfterSeconds;
  return typeof seconds === 'number' && seconds >= 0 ? seconds * 1000 : undefined;
}
