/**
 * The one place where `@corral/agent-sandbox` errors (and aborts) become the SDK's `CorralError`
 * classes. Every public method of the Kubernetes provider lets errors pass through `toSdkError`.
 */
import {
  AgentSandboxError,
  translateError,
  type AgentSandboxErrorCode,
} from '@corral/agent-sandbox';
import { compact } from '../compact.js';
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
  ProviderClosedError,
  SandboxNotFoundError,
  TimeoutError,
  type CorralErrorCode,
  type CorralErrorOptions,
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
  const base = compact({
    cause: e,
    retryable: e.retryable,
    httpStatus: status,
  });
  return BY_CODE[e.code](message, base, context);
}

type Base = Omit<CorralErrorOptions, 'code'>;
type Translate = (message: string, base: Base, context: ErrorContext) => CorralError;

const keep =
  (code: CorralErrorCode): Translate =>
  (message, base) =>
    new CorralError(message, { ...base, code });
const invalid: Translate = (message, base) =>
  new InvalidArgumentError(message, { ...base, code: 'INVALID_ARGUMENT' });
const missing: Translate = (message, base, context) =>
  context.notFound === 'resource'
    ? new NotFoundError(message, base)
    : new SandboxNotFoundError(message, base);

/** Every agent-sandbox code, mapped: a new code does not compile until it is listed here. */
const BY_CODE: Record<AgentSandboxErrorCode, Translate> = {
  NOT_FOUND: missing,
  OBJECT_DELETED: missing,
  WAIT_TIMEOUT: (message, base) => new TimeoutError(message, base),
  FORBIDDEN: (message, base) => new PermissionDeniedError(message, base),
  UNAUTHORIZED: (message, base) => new AuthenticationError(message, base),
  CONNECTION_FAILED: (message, base) => new ConnectionError(message, base),
  ALREADY_EXISTS: (message, base) =>
    new ConflictError(message, { ...base, code: 'ALREADY_EXISTS' }),
  CONFLICT: (message, base) => new ConflictError(message, base),
  INVALID: invalid,
  BAD_REQUEST: invalid,
  INVALID_ARGUMENT: invalid,
  UNSUPPORTED_REQUEST: invalid,
  SCHEMA_INVALID: invalid,
  NOT_INSTALLED: (message, base) =>
    new IsolationUnavailableError(message, { ...base, code: 'AGENT_SANDBOX_NOT_INSTALLED' }),
  INFORMER_STOPPED: (message, base) => new ProviderClosedError(message, base),
  INFORMER_NOT_RUNNING: keep('INTERNAL'),
  CLAIM_FAILED: keep('CLAIM_FAILED'),
  SANDBOX_FAILED: keep('SANDBOX_FAILED'),
  CONFIG_NOT_FOUND: keep('CONFIG_NOT_FOUND'),
  SERVER_ERROR: keep('SERVER_ERROR'),
  GONE: keep('GONE'),
  TOO_MANY_REQUESTS: keep('TOO_MANY_REQUESTS'),
  UNEXPECTED_STATUS: keep('UNEXPECTED_STATUS'),
};

/** The agent-sandbox codes `toSdkError` translates (all of them), for docs and tests. */
export const TRANSLATED_AGENT_SANDBOX_CODES = Object.keys(BY_CODE) as AgentSandboxErrorCode[];
