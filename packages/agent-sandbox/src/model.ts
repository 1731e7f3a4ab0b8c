/**
 * `@corral/agent-sandbox/model`: the half of this package that needs no Kubernetes client —
 * resource names and versions, labels and annotations, conditions, Zod schemas, builders, CRDs,
 * errors and clocks. Nothing here loads `@kubernetes/client-node` (~0.4 s and ~35 MB at import);
 * the client, watches, informers and waiters stay at the root entry, which re-exports all of
 * this as well. `test/model-entry.test.ts` keeps both promises.
 */
export {
  API_VERSIONS,
  CORE_GROUP,
  EXTENSIONS_GROUP,
  RESOURCES,
  apiVersionOf,
} from './resources.js';
export type { ApiVersionName, ResourceDescriptor, SandboxKind } from './resources.js';
export { ANNOTATIONS, LABELS, RESERVED_PREFIXES, nameHash } from './names.js';
export {
  CLAIM_READY_REASONS,
  CONDITION_TYPES,
  FINISHED_REASONS,
  SANDBOX_READY_REASONS,
  SUSPENDED_REASONS,
  classifyReadyReason,
  findCondition,
  isFinished,
  isReady,
  readiness,
  readyReason,
} from './conditions.js';
export type {
  Condition,
  ConditionType,
  HasConditions,
  ReadyReason,
  ReasonClass,
} from './conditions.js';
export { SchemaValidationError } from './schemas/errors.js';
export type { SchemaIssue } from './schemas/errors.js';
export {
  SCHEMAS,
  V0_1_0_SCHEMAS,
  parseResource,
  parseResourceAs,
  validateResource,
} from './schemas/registry.js';
export type {
  AgentSandboxResource,
  ResourceInputOf,
  ResourceOf,
  SchemaOf,
} from './schemas/registry.js';
export {
  conditionSchema,
  objectMetaSchema,
  podSpecSchema,
  podTemplateSchema,
  volumeClaimTemplateSchema,
} from './schemas/common.js';
export {
  SANDBOX_OPERATING_MODES,
  SANDBOX_SHUTDOWN_POLICIES,
  sandboxSchema,
  sandboxSpecSchema,
  sandboxSpecV1alpha1Schema,
  sandboxStatusSchema,
  sandboxStatusV1alpha1Schema,
  sandboxV0_1_0Schema,
  sandboxV1alpha1Schema,
} from './schemas/sandbox.js';
export type {
  Sandbox,
  SandboxInput,
  SandboxOperatingMode,
  SandboxShutdownPolicy,
  SandboxSpec,
  SandboxSpecV1alpha1,
  SandboxStatus,
  SandboxStatusV1alpha1,
  SandboxV0_1_0,
  SandboxV1alpha1,
  SandboxV1alpha1Input,
} from './schemas/sandbox.js';
export {
  ENV_VARS_INJECTION_POLICIES,
  NETWORK_POLICY_MANAGEMENT,
  VOLUME_CLAIM_TEMPLATES_POLICIES,
  sandboxNetworkPolicySchema,
  sandboxTemplateSchema,
  sandboxTemplateSpecSchema,
  sandboxTemplateSpecV1alpha1Schema,
  sandboxTemplateV0_1_0Schema,
  sandboxTemplateV1alpha1Schema,
} from './schemas/sandbox-template.js';
export type {
  EnvVarsInjectionPolicy,
  NetworkPolicyManagement,
  SandboxNetworkPolicy,
  SandboxTemplate,
  SandboxTemplateInput,
  SandboxTemplateSpec,
  SandboxTemplateSpecV1alpha1,
  SandboxTemplateV0_1_0,
  SandboxTemplateV1alpha1,
  SandboxTemplateV1alpha1Input,
  VolumeClaimTemplatesPolicy,
} from './schemas/sandbox-template.js';
export {
  CLAIM_SHUTDOWN_POLICIES,
  sandboxClaimSchema,
  sandboxClaimSpecSchema,
  sandboxClaimSpecV1alpha1Schema,
  sandboxClaimStatusSchema,
  sandboxClaimV0_1_0Schema,
  sandboxClaimV1alpha1Schema,
} from './schemas/sandbox-claim.js';
export type {
  ClaimShutdownPolicy,
  SandboxClaim,
  SandboxClaimEnvVar,
  SandboxClaimInput,
  SandboxClaimLifecycle,
  SandboxClaimSpec,
  SandboxClaimSpecV1alpha1,
  SandboxClaimStatus,
  SandboxClaimStatusV1alpha1,
  SandboxClaimV0_1_0,
  SandboxClaimV1alpha1,
  SandboxClaimV1alpha1Input,
} from './schemas/sandbox-claim.js';
export {
  WARM_POOL_UPDATE_STRATEGIES,
  sandboxWarmPoolSchema,
  sandboxWarmPoolSpecSchema,
  sandboxWarmPoolSpecV1alpha1Schema,
  sandboxWarmPoolStatusSchema,
  sandboxWarmPoolStatusV1alpha1Schema,
  sandboxWarmPoolV0_1_0Schema,
  sandboxWarmPoolV1alpha1Schema,
} from './schemas/sandbox-warm-pool.js';
export type {
  SandboxWarmPool,
  SandboxWarmPoolInput,
  SandboxWarmPoolSpec,
  SandboxWarmPoolSpecV1alpha1,
  SandboxWarmPoolStatus,
  SandboxWarmPoolStatusV1alpha1,
  SandboxWarmPoolV0_1_0,
  SandboxWarmPoolV1alpha1,
  SandboxWarmPoolV1alpha1Input,
  WarmPoolUpdateStrategy,
} from './schemas/sandbox-warm-pool.js';
export { DEFAULT_CONTAINER_NAME, DEFAULT_SANDBOX_PORT, buildPodSpec } from './builders/pod-spec.js';
export type { PodSpecOptions } from './builders/pod-spec.js';
export { buildSandboxTemplate } from './builders/sandbox-template.js';
export type {
  SandboxTemplateOptions,
  VolumeClaimTemplateInput,
} from './builders/sandbox-template.js';
export { buildSandboxWarmPool } from './builders/sandbox-warm-pool.js';
export type { SandboxWarmPoolOptions } from './builders/sandbox-warm-pool.js';
export { CORRAL_CREATED_BY, buildSandboxClaim } from './builders/sandbox-claim.js';
export type {
  SandboxClaimLifecycleOptions,
  SandboxClaimOptions,
} from './builders/sandbox-claim.js';
export { buildSandbox } from './builders/sandbox.js';
export type { SandboxOptions } from './builders/sandbox.js';
export { CRD_PROFILES, agentSandboxCrd, agentSandboxCrds } from './crds/crds.js';
export type {
  CrdProfile,
  CrdVersion,
  CustomResourceDefinitionManifest,
  PrinterColumn,
} from './crds/crds.js';
export { openApiSchemaOf } from './crds/openapi.js';
export type { JsonSchemaProps } from './crds/openapi.js';
export { ManualClock } from './watch/manual-clock.js';
export { realClock } from './watch/clock.js';
export type { Clock } from './watch/clock.js';
export { backoffDelayMs } from './watch/backoff.js';
export type { BackoffPolicy } from './watch/backoff.js';
export { AgentSandboxError, InformerNotRunningError, InformerStoppedError } from './errors/base.js';
export type { AgentSandboxErrorCode } from './errors/base.js';
export {
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
  UnexpectedStatusError,
} from './errors/kubernetes-errors.js';
export type { KubernetesStatus, StatusCause } from './errors/kubernetes-errors.js';
export { fromApiException, fromStatus, translateError } from './errors/from-api-exception.js';
export {
  ClaimFailedError,
  ObjectDeletedError,
  SandboxFailedError,
  WaitTimeoutError,
} from './errors/wait-errors.js';
export type { LastSeen } from './errors/wait-errors.js';
export {
  ConfigNotFoundError,
  KubeInvalidArgumentError,
  NotInstalledError,
  UnsupportedRequestError,
} from './errors/config-errors.js';
export { retryIdempotent } from './errors/retry.js';
export type { RetryOptions } from './errors/retry.js';
export {
  applyManifestEdits,
  convertManifestsToV1beta1,
  planV1beta1Conversion,
} from './convert/convert-to-v1beta1.js';
export type {
  ConversionSource,
  ConvertOptions,
  ConvertedManifests,
  DocumentConversion,
  ManifestConversion,
  ManifestEdit,
  ManifestPath,
} from './convert/convert-to-v1beta1.js';
export {
  CONFIG_MAP_MAX_BYTES,
  DEFAULT_RUNNER_BASE_IMAGE,
  RUNNER_BUNDLE_KEY,
  RUNNER_MOUNT_PATH,
  RUNNER_SHA256_ANNOTATION,
  RUNNER_VERSION_LABEL,
  RUNNER_WORKSPACE_PATH,
  buildRunnerConfigMap,
  runnerBundleSha256,
  runnerConfigMapName,
  runnerFromConfigMap,
} from './builders/runner-config-map.js';
export type { RunnerConfigMapOptions } from './builders/runner-config-map.js';
// NetworkPolicy ingress evaluation (pure: shared by the fake cluster, the provider and doctor)
export { describeNetworkSource, evaluateIngress } from './network-policy/ingress.js';
export type {
  IngressTarget,
  IngressVerdict,
  NetworkPolicyIngressRule,
  NetworkPolicyLike,
  NetworkPolicyPeer,
  NetworkPolicyPort,
  NetworkSource,
} from './network-policy/ingress.js';
export { matchesLabelSelector } from './network-policy/label-selector.js';
export type { LabelSelector, LabelSelectorRequirement } from './network-policy/label-selector.js';
