import { AgentSandboxError, type AgentSandboxErrorCode } from './base.js';

/** One entry of `metav1.Status.details.causes` (Go's `StatusCause.Type` is JSON `reason`). */
export interface StatusCause {
  field?: string;
  reason?: string;
  message?: string;
}

/** The parts of a `metav1.Status` failure body this package reads. */
export interface KubernetesStatus {
  kind?: string;
  apiVersion?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    uid?: string;
    causes?: StatusCause[];
    retryAfterSeconds?: number;
  };
}

export interface KubernetesApiErrorInit {
  statusCode: number;
  status?: KubernetesStatus | undefined;
  message?: string | undefined;
  cause?: unknown;
  retryable?: boolean;
}

/** The API server answered with a non-2xx status. Built only by `fromApiException`. */
export class KubernetesApiError extends AgentSandboxError {
  /** HTTP status code. */
  readonly statusCode: number;
  /** `Status.reason`, e.g. `NotFound`, `AlreadyExists`, `Conflict`, `Invalid`, `Expired`. */
  readonly reason: string | undefined;
  /** The server's own message, unchanged. */
  readonly serverMessage: string | undefined;
  readonly details: KubernetesStatus['details'];
  readonly causes: readonly StatusCause[];

  constructor(code: AgentSandboxErrorCode, init: KubernetesApiErrorInit) {
    const serverMessage = init.status?.message;
    super(code, init.message ?? serverMessage ?? `HTTP ${init.statusCode}`, {
      retryable: init.retryable ?? false,
      cause: init.cause,
    });
    this.statusCode = init.statusCode;
    this.reason = init.status?.reason;
    this.serverMessage = serverMessage;
    this.details = init.status?.details;
    this.causes = init.status?.details?.causes ?? [];
  }
}

export class BadRequestError extends KubernetesApiError {
  constructor(init: KubernetesApiErrorInit) {
    super('BAD_REQUEST', init);
  }
}

export class UnauthorizedError extends KubernetesApiError {
  constructor(init: KubernetesApiErrorInit) {
    super('UNAUTHORIZED', {
      ...init,
      message:
        init.message ??
        'The API server rejected the credentials (401 Unauthorized). Check the user in your kubeconfig, or refresh the token.',
    });
  }
}

export class ForbiddenError extends KubernetesApiError {
  constructor(init: KubernetesApiErrorInit) {
    super('FORBIDDEN', init);
  }
}

export class KubeNotFoundError extends KubernetesApiError {
  constructor(init: KubernetesApiErrorInit) {
    super('NOT_FOUND', init);
  }
}

/** 409 with reason `AlreadyExists`: a create named an object that exists. */
export class AlreadyExistsError extends KubernetesApiError {
  constructor(init: KubernetesApiErrorInit) {
    super('ALREADY_EXISTS', init);
  }
}

/** 409 with any other reason: a stale `resourceVersion`, a failed precondition, an apply conflict. */
export class KubeConflictError extends KubernetesApiError {
  constructor(init: KubernetesApiErrorInit) {
    super('CONFLICT', init);
  }
}

/**
 * 410: the requested resourceVersion is older than the server keeps. Retryable for watches
 * (relist and watch again); nothing else gets one.
 */
export class GoneError extends KubernetesApiError {
  constructor(init: KubernetesApiErrorInit) {
    super('GONE', { ...init, retryable: true });
  }
}

/** 422: the object failed validation; `causes` lists each field. */
export class InvalidError extends KubernetesApiError {
  constructor(init: KubernetesApiErrorInit) {
    const causes = init.status?.details?.causes ?? [];
    const listed = causes
      .map((c) => `  - ${c.field ?? '(object)'}: ${c.message ?? c.reason ?? 'invalid'}`)
      .join('\n');
    const head = init.status?.message ?? `HTTP ${init.statusCode} Invalid`;
    super('INVALID', {
      ...init,
      message: listed === '' ? head : `${head}\nInvalid fields:\n${listed}`,
    });
  }
}

/** 429: the server is shedding load. Retry after `retryAfterMs`. */
export class TooManyRequestsError extends KubernetesApiError {
  readonly retryAfterMs: number | undefined;

  constructor(init: KubernetesApiErrorInit & { retryAfterMs?: number | undefined }) {
    super('TOO_MANY_REQUESTS', { ...init, retryable: true });
    this.retryAfterMs = init.retryAfterMs;
  }
}

/** 5xx. 500/502/503/504 may succeed later; the request itself may or may not have been applied. */
export class ServerError extends KubernetesApiError {
  readonly retryAfterMs: number | undefined;

  constructor(init: KubernetesApiErrorInit & { retryAfterMs?: number | undefined }) {
    super('SERVER_ERROR', { ...init, retryable: true });
    this.retryAfterMs = init.retryAfterMs;
  }
}

/** Any other non-2xx status (e.g. 405, 415). */
export class UnexpectedStatusError extends KubernetesApiError {
  constructor(init: KubernetesApiErrorInit) {
    super('UNEXPECTED_STATUS', init);
  }
}

/** The request never got an HTTP answer: refused, reset, DNS, TLS. */
export class KubeConnectionError extends AgentSandboxError {
  constructor(message: string, cause?: unknown) {
    super('CONNECTION_FAILED', message, { retryable: true, cause });
  }
}
