/** The Kubernetes provider: sandboxes as agent-sandbox SandboxClaims. */
export { createKubernetesProvider, KubernetesProvider } from './kubernetes-provider.js';
export type { DeleteSandboxOptions, SuspendOptions } from './kubernetes-provider.js';
export type {
  ConnectionMode,
  ConnectionOptions,
  KubernetesCreateOptions,
  KubernetesProviderOptions,
} from './options.js';
export type { ExecOptions, ExecResult } from './exec.js';
export type { LogsOptions } from './logs.js';
export { TRACE_CONTEXT_ANNOTATION } from './telemetry.js';
export type {
  ClaimDeletedMetric,
  ClaimFailedMetric,
  ClaimReadyMetric,
  KubernetesProviderMetrics,
  KubernetesTelemetryOptions,
} from './telemetry.js';
export type { SignalCleanupDisposer, SignalCleanupOptions } from './signal-cleanup.js';
export { PortForwardServer } from './port-forward.js';
export { ROUTER_HEADERS } from './endpoint.js';
export type { NetworkSource } from '@corral/agent-sandbox';
export { CORRAL_LABELS } from '../labels.js';
export { toSdkError } from './errors-map.js';
export type { ErrorContext } from './errors-map.js';
