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
export type { FakeCluster, FakeClusterOptions } from './cluster.js';
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
  Kubelet,
  KubeletOptions,
  PodMatcher,
  PodRuntime,
  PodStartResult,
  PodTermination,
} from './kubelet/index.js';
