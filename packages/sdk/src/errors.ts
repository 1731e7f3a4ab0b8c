/**
 * The SDK's one error hierarchy. Every error the SDK throws is a `CorralError` with a stable
 * UPPER_SNAKE `code` and a `retryable` flag; subclasses exist only for conditions a caller acts
 * on. Transport and wire errors are translated to these classes in one place per transport
 * (for the runner: `errorFromRunnerResponse` in `runner-client/errors-map.ts`; for the cluster:
 * `toSdkError` in `kubernetes/errors-map.ts`). Every code is in `CorralErrorCode` and in
 * docs/errors.md; messages say what is wrong, then how to fix it.
 */
import type { RunnerErrorCode } from '@corral/runner';
import { compact } from './compact.js';

/** Codes of the SDK itself (providers, the facade, the transports). */
export type SdkErrorCode =
  | 'ABORTED'
  | 'AGENT_SANDBOX_NOT_INSTALLED'
  | 'CLEANUP_FAILED'
  | 'CONFLICT'
  | 'CONNECTION_FAILED'
  | 'CORRAL_ROLLBACK_FAILED'
  | 'EXEC_FAILED'
  | 'FILE_TOO_LARGE'
  | 'HTTP_ERROR'
  | 'INVALID_RESPONSE'
  | 'ISOLATION_UNAVAILABLE'
  | 'PROVIDER_CLOSED'
  | 'PROVIDER_CLOSE_FAILED'
  | 'PROVIDER_UNAVAILABLE'
  | 'RESOURCE_EXHAUSTED'
  | 'SANDBOX_ENDED'
  | 'SANDBOX_NOT_FOUND'
  | 'SANDBOX_NOT_READY'
  | 'SANDBOX_START_FAILED'
  | 'TIMEOUT';

/** Cluster codes of `@corral/agent-sandbox` that reach SDK callers unchanged. */
export type ClusterErrorCode =
  | 'CLAIM_FAILED'
  | 'CONFIG_NOT_FOUND'
  | 'TEMPLATE_NOT_FOUND'
  | 'WARM_POOL_NOT_FOUND'
  | 'GONE'
  | 'SANDBOX_FAILED'
  | 'SERVER_ERROR'
  | 'TOO_MANY_REQUESTS'
  | 'UNEXPECTED_STATUS';

/**
 * Codes of the layers built on the SDK (`@corral/orchestrator`), listed here so that one union
 * covers every `CorralError`: a layer adds its codes to this list, not a union of its own.
 */
export type OrchestratorErrorCode =
  | 'ADOPTED_IDLE'
  | 'CANCELLED'
  | 'ORCHESTRATOR_CLOSED'
  | 'ORCHESTRATOR_ERROR'
  | 'POD_ENDED_EARLY'
  | 'POD_FAILED'
  | 'RUNNER_HAS_OTHER_TASK'
  | 'RUNNER_UNREACHABLE'
  | 'SANDBOX_GONE'
  | 'TASK_EXIT_NONZERO'
  | 'TASK_START_FAILED'
  | 'TASK_TIMEOUT';

/** Every `code` a `CorralError` can carry: the SDK's, the runner's, the cluster's, the layers'. */
export type CorralErrorCode =
  SdkErrorCode | RunnerErrorCode | ClusterErrorCode | OrchestratorErrorCode;

export interface CorralErrorOptions {
  /** Stable UPPER_SNAKE code; defaults per class. */
  code?: CorralErrorCode;
  retryable?: boolean;
  httpStatus?: number;
  cause?: unknown;
}

export class CorralError extends Error {
  /** Stable machine-readable code, e.g. `NOT_FOUND`, `PATH_OUTSIDE_ROOT`. */
  readonly code: CorralErrorCode;
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
    code: CorralErrorCode;
    message: string;
    retryable: boolean;
    httpStatus?: number;
  } {
    return compact({
      name: this.name,
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      httpStatus: this.httpStatus,
    });
  }
}

function withDefaults(
  options: CorralErrorOptions,
  code: CorralErrorCode,
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

export interface TimeoutErrorOptions extends CorralErrorOptions {
  /** The `Ready` reason the awaited object last showed (e.g. a claim's `WarmPoolNotFound`). */
  lastReason?: string | undefined;
  /** The message that came with `lastReason`. */
  lastMessage?: string | undefined;
}

/** A deadline passed (`timeoutMs` of a call, a wait, or a command). */
export class TimeoutError extends CorralError {
  /** What the awaited object last said about why it was not ready, when known. */
  readonly lastReason?: string;
  readonly lastMessage?: string;

  constructor(message: string, options: TimeoutErrorOptions = {}) {
    const { lastReason, lastMessage, ...rest } = options;
    super(message, withDefaults(rest, 'TIMEOUT'));
    if (lastReason !== undefined) this.lastReason = lastReason;
    if (lastMessage !== undefined) this.lastMessage = lastMessage;
  }
}

/**
 * The `SandboxWarmPool` or `SandboxTemplate` a Kubernetes sandbox was asked to come from does not
 * exist in that namespace. `available` lists what the namespace has, to spot a typo or the
 * wrong namespace.
 */
export class PlacementNotFoundError extends NotFoundError {
  readonly kind: 'SandboxWarmPool' | 'SandboxTemplate';
  /** The pool or template name that was asked for. */
  readonly objectName: string;
  readonly namespace: string;
  /** Names of that kind in `namespace` (empty when none, or when they could not be listed). */
  readonly available: readonly string[];
  /** `namespace/name` of that kind elsewhere (empty when none, or not listable cluster-wide). */
  readonly elsewhere: readonly string[];

  constructor(
    message: string,
    init: {
      kind: 'SandboxWarmPool' | 'SandboxTemplate';
      objectName: string;
      namespace: string;
      available: readonly string[];
      elsewhere?: readonly string[];
    },
    options: CorralErrorOptions = {},
  ) {
    super(
      message,
      withDefaults(
        options,
        init.kind === 'SandboxWarmPool' ? 'WARM_POOL_NOT_FOUND' : 'TEMPLATE_NOT_FOUND',
      ),
    );
    this.kind = init.kind;
    this.objectName = init.objectName;
    this.namespace = init.namespace;
    this.available = init.available;
    this.elsewhere = init.elsewhere ?? [];
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

/** The provider was closed; make a new one (`createLocalProvider()`, `createKubernetesProvider()`). */
export class ProviderClosedError extends CorralError {
  constructor(message: string, options: CorralErrorOptions = {}) {
    super(message, withDefaults(options, 'PROVIDER_CLOSED'));
  }
}

/** The sandbox exists but cannot be reached yet (e.g. its claim is not bound). Retry later. */
export class SandboxNotReadyError extends CorralError {
  constructor(message: string, options: CorralErrorOptions = {}) {
    super(message, withDefaults(options, 'SANDBOX_NOT_READY', true));
  }
}

/** The sandbox did not start: it exited, or its runner never came up. */
export class SandboxStartError extends CorralError {
  constructor(message: string, options: CorralErrorOptions = {}) {
    super(message, withDefaults(options, 'SANDBOX_START_FAILED'));
  }
}

/** The sandbox still exists but can never finish its work (e.g. its claim expired). */
export class SandboxEndedError extends SandboxNotFoundError {
  constructor(message: string, options: CorralErrorOptions = {}) {
    super(message, withDefaults(options, 'SANDBOX_ENDED'));
  }
}
