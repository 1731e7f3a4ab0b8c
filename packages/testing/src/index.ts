export type {
  DeleteOptions,
  GroupVersionResource,
  KubeObject,
  ListOptions,
  ObjectList,
  ObjectMeta,
  ObjectStore,
  OwnerReference,
  PatchOptions,
  PatchType,
  PropagationPolicy,
  StoreEvent,
  StoreEventType,
  Subresource,
  WatchOptions,
  WriteOptions,
} from './store/types.js';
export { createObjectStore } from './store/object-store.js';
export type {
  FakeObjectStore,
  FieldValidation,
  ObjectStoreOptions,
  ServerWriteOptions,
} from './store/object-store.js';
export { StatusError } from './store/status-error.js';
export type {
  FieldError,
  KubeStatus,
  StatusCause,
  StatusDetails,
  StatusReason,
} from './store/status-error.js';
export { createManualClock, formatKubeTime, systemClock } from './clock.js';
export type { Clock, ManualClock } from './clock.js';
export { loadCrdDir, loadCrdFile, loadCrdProfile, parseCrdYaml } from './resources/crd-loader.js';
export type { CrdProfile } from './resources/crd-loader.js';
export type { CrdObject } from './resources/types.js';
export { startFakeCluster } from './cluster.js';
export { startPlayground } from './playground.js';
export type { PlaygroundOptions } from './playground.js';
export type { FakeCluster, FakeClusterOptions, FakeKubeletOptions } from './cluster.js';
export type {
  ErrorFaultOptions,
  ExpiredMode,
  FaultHandle,
  Faults,
  RouteMatch,
  WatchFaultOptions,
} from './server/faults.js';
export type {
  RequestFilter,
  RequestLog,
  RequestRecord,
  RequestResourceInfo,
} from './server/request-log.js';
export type { RequestContext, SubresourceHandler } from './server/api-server.js';
export { POD_LOG_ANNOTATION } from './server/pod-log.js';
export { convertAgentSandbox } from './conversion/agent-sandbox.js';
export { startAgentSandboxController } from './controller/index.js';
export type {
  AgentSandboxController,
  AgentSandboxControllerOptions,
  ApiFlavor,
} from './controller/index.js';
export { createSimulatedRuntime, startKubelet } from './kubelet/index.js';
export type {
  ContainerExit,
  Kubelet,
  KubeletOptions,
  PodMatcher,
  PodRuntime,
  PodStartResult,
  PodTermination,
} from './kubelet/index.js';
export { createProcessRuntime } from './kubelet/process-runtime.js';
export type { ProcessRuntime, ProcessRuntimeOptions } from './kubelet/process-runtime.js';
export { isCorralRunnerContainer } from './kubelet/runner-pod-spec.js';
export type {
  PodContainer,
  RunnerContainerPredicate,
  SecretReader,
} from './kubelet/runner-pod-spec.js';
export { agentCacheImages, parseAgentImage } from './kubelet/agent-image.js';
export type { AgentImageResolver } from './kubelet/agent-image.js';
export type {
  ExecOutcome,
  ExecRequest,
  ExecSession,
  PodProcess,
  PodProcessState,
} from './kubelet/pod-process.js';
export type { ContainerLog, LogLine } from './kubelet/container-log.js';
export type {
  LaunchedPodSandbox,
  SandboxLauncher,
  SandboxLaunchOptions,
  SandboxLevel,
} from './kubelet/sandbox-launcher.js';
