/**
 * `@corral/agent-sandbox`: everything of `./model` (names, conditions, schemas, builders, CRDs,
 * errors, clocks; no Kubernetes client) plus the client half: CRUD, watches, informers, waiters,
 * discovery and kubeconfig loading.
 */
// The one `export *` in the repository: `model.ts` is itself a curated list (by name), and the
// root entry is that list plus the client half, so the list is written once (decision 0039).
// eslint-disable-next-line no-restricted-syntax
export * from './model.js';
// client, watch, cache, waiters
export { AgentSandboxClient, createAgentSandboxClient } from './client/agent-sandbox-client.js';
export type { AgentSandboxClientOptions } from './client/agent-sandbox-client.js';
export { ResourceClient } from './client/resource-client.js';
export type {
  ApplyOptions,
  DeleteOptions,
  DeleteResult,
  JsonPatchOperation,
  ListOptions,
  RequestOptions,
  WriteOptions,
} from './client/resource-client.js';
export type { KindInput, KindObject, StoredMeta } from './client/kind-types.js';
export type { KubeObject, ObjectList, ObjectMeta, Scale } from './client/types.js';
export { watchResource } from './watch/watch-resource.js';
export type { WatchResourceOptions, WatchSourceProvider } from './watch/watch-resource.js';
export type {
  ObjectEvent,
  ResourceWatchSource,
  SourceListOptions,
  SourceWatchOptions,
  SyncedEvent,
  WatchEvent,
} from './watch/types.js';
export { SharedInformer } from './cache/shared-informer.js';
export type {
  ChangeType,
  InformerOptions,
  WaitCheck,
  WaitForOptions,
} from './cache/shared-informer.js';
export type { IndexFunction } from './cache/indexes.js';
export { boundSandboxName, waitForClaimReady } from './wait/wait-for-claim-ready.js';
export type { ClaimReady, ClaimReadyOptions } from './wait/wait-for-claim-ready.js';
export { waitForSandboxReady } from './wait/wait-for-sandbox-ready.js';
export { waitForFinished } from './wait/wait-for-finished.js';
export type { Finished } from './wait/wait-for-finished.js';
export { waitForDeleted } from './wait/wait-for-deleted.js';
export type { InformerProvider, WaitOptions } from './wait/common.js';
export { chooseVersion, discoverServedVersions } from './discovery/served-versions.js';
export type { GroupVersions, ServedVersions } from './discovery/served-versions.js';
export { resolveClaimRequest } from './discovery/claim-request.js';
export type {
  ClaimRequest,
  ClaimSpecFragment,
  PoolTemplateLookup,
} from './discovery/claim-request.js';
export { loadKubeConfig } from './kubeconfig/load-kube-config.js';
export type { LoadKubeConfigOptions, LoadedKubeConfig } from './kubeconfig/load-kube-config.js';
export { callOptions } from './client/request-options.js';
export { networkPolicyFromClientNode, ownPodNetworkSource } from './network-policy/client-node.js';
// end client, watch, cache, waiters
