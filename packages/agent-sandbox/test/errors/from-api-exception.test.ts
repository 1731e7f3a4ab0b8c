import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
  AgentSandboxError,
  AlreadyExistsError,
  BadRequestError,
  KubeConflictError,
  KubeConnectionError,
  ForbiddenError,
  GoneError,
  InvalidError,
  KubernetesApiError,
  KubeNotFoundError,
  ServerError,
  TooManyRequestsError,
  UnauthorizedError,
  fromApiException,
  translateError,
} from '../../src/index.js';

function status(code: number, reason: string, message: string, details?: object): string {
  return JSON.stringify({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    code,
    reason,
    message,
    details,
  });
}

function apiException(
  code: number,
  body: string | undefined,
  headers: Record<string, string> = {},
) {
  return new ApiException<string | undefined>(code, 'failed', body, headers);
}

describe('fromApiException', () => {
  it.each([
    [400, 'BadRequest', BadRequestError, 'BAD_REQUEST', false],
    [403, 'Forbidden', ForbiddenError, 'FORBIDDEN', false],
    [404, 'NotFound', KubeNotFoundError, 'NOT_FOUND', false],
    [409, 'AlreadyExists', AlreadyExistsError, 'ALREADY_EXISTS', false],
    [409, 'Conflict', KubeConflictError, 'CONFLICT', false],
    [410, 'Expired', GoneError, 'GONE', true],
    [500, 'InternalError', ServerError, 'SERVER_ERROR', true],
    [503, 'ServiceUnavailable', ServerError, 'SERVER_ERROR', true],
  ] as const)('maps %i %s to %s', (code, reason, cls, stableCode, retryable) => {
    const error = fromApiException(apiException(code, status(code, reason, `msg ${reason}`)));
    expect(error).toBeInstanceOf(cls);
    expect(error).toBeInstanceOf(KubernetesApiError);
    expect(error).toBeInstanceOf(AgentSandboxError);
    expect(error.code).toBe(stableCode);
    expect(error.retryable).toBe(retryable);
    expect(error.message).toBe(`msg ${reason}`);
    expect((error as KubernetesApiError).reason).toBe(reason);
    expect((error as KubernetesApiError).statusCode).toBe(code);
  });

  it('handles a 401 without a body', () => {
    const error = fromApiException(apiException(401, undefined));
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(error.code).toBe('UNAUTHORIZED');
    expect(error.message).toMatch(/credentials/);
  });

  it('lists field causes of a 422', () => {
    const body = status(422, 'Invalid', 'SandboxClaim.extensions.agents.x-k8s.io "c" is invalid', {
      causes: [
        { reason: 'FieldValueRequired', field: 'spec.warmPoolRef', message: 'Required value' },
        { reason: 'FieldValueInvalid', field: 'metadata.name', message: 'must be lowercase' },
      ],
    });
    const error = fromApiException(apiException(422, body)) as InvalidError;
    expect(error).toBeInstanceOf(InvalidError);
    expect(error.causes).toEqual([
      { reason: 'FieldValueRequired', field: 'spec.warmPoolRef', message: 'Required value' },
      { reason: 'FieldValueInvalid', field: 'metadata.name', message: 'must be lowercase' },
    ]);
    expect(error.message).toContain('spec.warmPoolRef: Required value');
    expect(error.message).toContain('metadata.name: must be lowercase');
    expect(error.serverMessage).toBe('SandboxClaim.extensions.agents.x-k8s.io "c" is invalid');
  });

  it('reads Retry-After from the header, else from details.retryAfterSeconds', () => {
    const fromHeader = fromApiException(
      apiException(429, status(429, 'TooManyRequests', 'slow down'), { 'retry-after': '3' }),
    );
    expect(fromHeader).toBeInstanceOf(TooManyRequestsError);
    expect((fromHeader as TooManyRequestsError).retryAfterMs).toBe(3000);
    expect(fromHeader.retryable).toBe(true);
    const fromDetails = fromApiException(
      apiException(429, status(429, 'TooManyRequests', 'x', { retryAfterSeconds: 2 })),
    );
    expect((fromDetails as TooManyRequestsError).retryAfterMs).toBe(2000);
  });

  it('keeps a non-JSON body as the message', () => {
    const error = fromApiException(apiException(502, '<html>bad gateway</html>'));
    expect(error).toBeInstanceOf(ServerError);
    expect(error.message).toBe('<html>bad gateway</html>');
  });

  it('maps the Watch error form (statusCode) and network failures', () => {
    expect(fromApiException(Object.assign(new Error('Gone'), { statusCode: 410 }))).toBeInstanceOf(
      GoneError,
    );
    const network = fromApiException(
      Object.assign(new Error('connect ECONNREFUSED'), {
        name: 'FetchError',
        type: 'system',
        code: 'ECONNREFUSED',
      }),
    );
    expect(network).toBeInstanceOf(KubeConnectionError);
    expect(network.retryable).toBe(true);
    expect(network.code).toBe('CONNECTION_FAILED');
  });
});

describe('translateError', () => {
  it('returns the abort reason when the signal aborted, and leaves programming errors alone', () => {
    const abort = new AbortController();
    abort.abort(new Error('cancelled'));
    expect(translateError(new Error('AbortError'), abort.signal)).toBe(abort.signal.reason);
    const bug = new TypeError('x is not a function');
    expect(translateError(bug)).toBe(bug);
    expect(translateError(apiException(404, status(404, 'NotFound', 'nope')))).toBeInstanceOf(
      KubeNotFoundError,
    );
  });
});
