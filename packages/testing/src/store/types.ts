/**
 * The contract between the fake API server's object store and everything that reads or writes
 * it in-process (the HTTP layer, the simulated controller, the simulated kubelet, tests).
 *
 * The store behaves like the real apiserver's registry: one global monotonically increasing
 * resourceVersion, optimistic concurrency, generation bumps on spec changes, status/scale
 * subresources, validation and defaulting from CRD schemas, ownerReference garbage collection,
 * and a bounded event history for watches. Every method returns deep copies; callers may mutate
 * what they get back. Failures throw `StatusError` (store/status-error.ts), which the HTTP layer
 * turns into a `metav1.Status` body with the same code.
 */

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: unknown[];
  [key: string]: unknown;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** Identifies a served resource: `{group: '', version: 'v1', resource: 'pods'}` for core kinds. */
export interface GroupVersionResource {
  group: string;
  version: string;
  resource: string;
}

export type Subresource = 'status' | 'scale';
export type PatchType = 'merge' | 'json' | 'apply';
export type PropagationPolicy = 'Background' | 'Foreground' | 'Orphan';

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
}

export interface ObjectList {
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface WriteOptions {
  subresource?: Subresource;
  fieldManager?: string;
  dryRun?: boolean;
}

export interface PatchOptions extends WriteOptions {
  /** Server-side apply: take ownership of conflicting fields. */
  force?: boolean;
}

export interface DeleteOptions {
  propagationPolicy?: PropagationPolicy;
  /**
   * Pods only: seconds the kubelet gives the containers between SIGTERM and SIGKILL (default the
   * pod's `terminationGracePeriodSeconds`); 0 removes the pod object at once (force delete).
   */
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export type StoreEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: StoreEventType;
  /** The object as of this event, in the version the watcher asked for. */
  object: KubeObject;
}

export interface WatchOptions {
  namespace?: string;
  /**
   * Replay events after this resourceVersion. Unset or "0": synthetic ADDED for every existing
   * object, then live events. Older than the retained history: throws StatusError 410 Expired.
   */
  resourceVersion?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export interface ObjectStore {
  /** The current global resourceVersion. */
  currentResourceVersion(): string;

  get(
    gvr: GroupVersionResource,
    namespace: string | undefined,
    name: string,
  ): KubeObject | undefined;
  list(gvr: GroupVersionResource, options?: ListOptions): ObjectList;
  create(gvr: GroupVersionResource, object: KubeObject, options?: WriteOptions): KubeObject;
  /** Optimistic concurrency: a stale `metadata.resourceVersion` throws 409 Conflict. */
  update(gvr: GroupVersionResource, object: KubeObject, options?: WriteOptions): KubeObject;
  patch(
    gvr: GroupVersionResource,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    patchType: PatchType,
    options?: PatchOptions,
  ): KubeObject;
  /**
   * Returns the object as it was deleted, or — with Foreground/Orphan propagation, pending
   * finalizers, or a pod in its grace period — as it now stands with `deletionTimestamp` set.
   * Dependents are garbage-collected after the call returns, as the kube garbage collector does.
   */
  delete(
    gvr: GroupVersionResource,
    namespace: string | undefined,
    name: string,
    options?: DeleteOptions,
  ): KubeObject;

  /**
   * Calls `onEvent` synchronously after each matching committed write, in resourceVersion order.
   * Returns a function that stops the watch.
   */
  watch(
    gvr: GroupVersionResource,
    options: WatchOptions,
    onEvent: (event: StoreEvent) => void,
  ): () => void;
}
