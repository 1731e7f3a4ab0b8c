/**
 * The one place where `@corral/agent-sandbox` errors (and aborts) become the SDK's `CorralError`
 * classes. Every public method of the Kubernetes provider lets errors pass through `toSdkError`.
 */
import { AgentSandboxError, translateError } from '@corral/agent-sandbox';
import {
  AbortedError,
  AuthenticationError,
  ConflictError,
  ConnectionError,
  CorralError,
  InvalidArgumentError,
  IsolationUnavailableError,
  NotFoundError,
  PermissionDeniedError,
  SandboxNotFoundError,
  TimeoutError,
} from '../errors.js';

export interface ErrorContext {
  /** The caller's signal: when it fired, the result is `AbortedError` whatever was thrown. */
  signal?: AbortSignal | undefined;
  /** What was being done, prefixed to the message, e.g. `Creating sandbox corral-1a2b3c4d`. */
  doing?: string;
  /**
   * What a 404 means: a missing sandbox (`SandboxNotFoundError`, the default) or another missing
   * resource such as a pool or template (`NotFoundError`).
   */
  notFound?: 'sandbox' | 'resource';
}

function httpStatusOf(e: AgentSandboxError): number | undefined {
  const status = (e as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' ? status : undefined;
}

export function toSdkError(raw: unknown, context: ErrorContext = {}): CorralError {
  const e = raw instanceof CorralError ? raw : translateError(raw, context.signal);
  const prefix = context.doing === undefined ? '' : `${context.doing}: `;
  if (context.signal?.aborted === true) {
    if (e instanceof AbortedError) return e;
    return new AbortedError(`${prefix}aborted.`, { cause: context.signal.reason });
  }
  if (e instanceof CorralError) return e;
  if (!(e instanceof AgentSandboxError)) {
    if (e instanceof Error && e.name === 'AbortError') {
      return new AbortedError(`${prefix}aborted.`, { cause: e });
    }
    const message = e instanceof Error ? e.message : String(e);
    return new CorralError(`${prefix}${message}`, { code: 'INTERNAL', cause: e });
  }
  const message = `${prefix}${e.message}`;
  const status = httpStatusOf(e);
  const base = {
    cause: e,
    retryable: e.retryable,
    ...(status === undefined ? {} : { httpStatus: status }),
  };
  switch (e.code) {
    case 'NOT_FOUND':
    case 'OBJECT_DELETED':
      return context.notFound === 'resource'
        ? new NotFoundError(message, base)
        : new SandboxNotFoundError(message, base);
    case 'WAIT_TIMEOUT':
      return new TimeoutError(message, base);
    case 'FORBIDDEN':
      return new PermissionDeniedError(message, base);
    case 'UNAUTHORIZED':
      return new AuthenticationError(message, base);
    case 'CONNECTION_ERROR':
      return new ConnectionError(message, base);
    case 'ALREADY_EXISTS':
    case 'CONFLICT':
      return new ConflictError(message, { ...base, code: e.code });
    case 'INVALID':
    case 'BAD_REQUEST':
    case 'INVALID_ARGUMENT':
    case 'UNSUPPORTED_REQUEST':
    case 'SCHEMA_INVALID':
      return new InvalidArgumentError(message, { ...base, code: 'INVALID_ARGUMENT' });
    case 'NOT_INSTALLED':
      return new IsolationUnavailableError(message, {
        ...base,
        code: 'AGENT_SANDBOX_NOT_INSTALLED',
      });
    default:
      // CLAIM_FAILED, SANDBOX_FAILED, CONFIG_NOT_FOUND, SERVER_ERROR, GONE, ... keep their code.
      return new CorralError(message, { ...base, code: e.code });
  }
}
