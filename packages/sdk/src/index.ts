// Providers: the seam between the Sandbox API and where sandboxes run.
export type {
  IsolationInfo,
  IsolationLevel,
  NetworkMode,
  ProviderCapabilities,
  ProviderCreateOptions,
  ProvisionedSandbox,
  ResourceLimits,
  LimitsNotApplied,
  RunnerEndpoint,
  SandboxExit,
  SandboxInfo,
  SandboxProvider,
  SandboxState,
} from './provider.js';

// Corral's label vocabulary (owner, task id) and its checks, for every provider.
export {
  CORRAL_LABELS,
  checkIdentifier,
  checkLabelKey,
  checkLabelValue,
  defaultOwner,
  isReservedLabel,
  labelsToInfo,
  sandboxLabels,
  toLabelValue,
} from './labels.js';

// Small helpers for the layers above the providers.
export { compact } from './compact.js';
export type { Compact } from './compact.js';
export { systemClock } from './clock.js';
export type { Clock } from './clock.js';

// The Sandbox facade.
export { Sandbox } from './sandbox/sandbox.js';
export { registerProvider, resolveProvider } from './sandbox/default-registry.js';
export { providerCreateOptions } from './sandbox/create-options.js';
export {
  checkEnv,
  checkLimits,
  ENV_NAME_PATTERN,
  MAX_ENV_ENTRY_BYTES,
  MAX_ENV_TOTAL_BYTES,
  MIN_CPUS,
  MIN_MEMORY_BYTES,
} from './validate/sandbox-input.js';
export type { ProviderFactory, ProviderVariant } from './sandbox/registry.js';
export type {
  KubernetesPlacement,
  NetworkOption,
  ProviderOption,
  SandboxCallOptions,
  SandboxConnectOptions,
  SandboxCreateOptions,
  SandboxListOptions,
} from './sandbox/types.js';

// The local provider.
export {
  callerUid,
  chooseIsolation,
  createLocalProvider,
  DEFAULT_LOCAL_MAX_LIFETIME_MS,
  defaultStateDir,
  detectIsolation,
  launchSandbox,
  LocalProvider,
  UidAllocator,
} from './local/index.js';
export type {
  CgroupLayout,
  DetectIsolationOptions,
  IsolationReport,
  LaunchedSandbox,
  LaunchLevel,
  LaunchOptions,
  LocalProviderOptions,
  SandboxPaths,
} from './local/index.js';

// Sandboxes owned by a `corral serve` process.
export { createServerProvider, ServerProvider } from './server/index.js';
export type { ServerProviderOptions } from './server/index.js';

// The Kubernetes provider lives at `@corral/sdk/kubernetes`, so local-only users never load
// client-node (~0.4 s and ~35 MB at import).

// The runner client (what `sandbox.commands`, `.files` and `.tasks` are).
export {
  CommandHandle,
  Commands,
  Files,
  Pty,
  PtyHandle,
  RunnerClient,
  Tasks,
} from './runner-client/index.js';
export { FILE_READ_LIMIT_BYTES, MAX_PTY_DIMENSION } from './runner-client/index.js';
export type {
  BackgroundRunOptions,
  CommandInfo,
  CommandResult,
  CommandStreamEvent,
  ConnectOptions,
  DirListing,
  FileEntry,
  FileStat,
  PtyCreateOptions,
  PtyResult,
  PtySize,
  ReadOptions,
  RunnerClientOptions,
  RunOptions,
  TaskAccepted,
  TaskRequest,
  TaskResult,
  TaskStatus,
  WriteData,
  WriteOptions,
} from './runner-client/index.js';

// Errors.
export {
  AbortedError,
  AuthenticationError,
  ConflictError,
  ConnectionError,
  CorralError,
  InvalidArgumentError,
  IsolationUnavailableError,
  NotFoundError,
  PathOutsideRootError,
  PermissionDeniedError,
  PlacementNotFoundError,
  ProviderClosedError,
  SandboxEndedError,
  SandboxNotFoundError,
  SandboxNotReadyError,
  SandboxStartError,
  TimeoutError,
} from './errors.js';
export type {
  ClusterErrorCode,
  CorralErrorCode,
  CorralErrorOptions,
  OrchestratorErrorCode,
  SdkErrorCode,
  TimeoutErrorOptions,
} from './errors.js';
