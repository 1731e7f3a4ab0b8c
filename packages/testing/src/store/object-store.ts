/**
 * The in-memory registry behind the fake API server: one global resourceVersion counter,
 * objects kept once in their storage version, conversion on every read and write, validation
 * and defaulting from CRD schemas, field ownership, garbage collection, and a bounded event
 * history for watches. The work is done by one module per API-server concern (watch-cache,
 * admission, writes, patch-resource, deletion, reads) over a shared `StoreState`.
 */
import { randomUUID } from 'node:crypto';
import { formatKubeTime, systemClock } from '../clock.js';
import type { Clock } from '../clock.js';
import { loadCrdProfile } from '../resources/crd-loader.js';
import type { CrdProfile } from '../resources/crd-loader.js';
import { createResourceRegistry } from '../resources/registry.js';
import type { ResourceRegistry } from '../resources/registry.js';
import type { CrdObject } from '../resources/types.js';
import { del, gcSettled } from './deletion.js';
import { patch } from './patch-resource.js';
import { get, getScale, list } from './reads.js';
import { typeKeyOf } from './store-state.js';
import type { ServerWriteOptions, StoreState } from './store-state.js';
import { commitPut, watch } from './watch-cache.js';
import { create, update } from './writes.js';
import type {
  GroupVersionResource,
  KubeObject,
  ObjectStore,
  PatchOptions,
  PatchType,
  WriteOptions,
} from './types.js';

export type { FieldValidation, ServerWriteOptions } from './store-state.js';

export interface ObjectStoreOptions {
  /**
   * CRDs to serve: an agent-sandbox profile (`'main'` = v1beta1 storage + deprecated v1alpha1,
   * `'v0.4.6'` and `'v0.1.0'` = v1alpha1 only), or CRD objects (any CRDs, not only
   * agent-sandbox's). Default `'main'`.
   */
  crds?: CrdProfile | readonly CrdObject[];
  /** Time source for timestamps. Default: the system clock. */
  clock?: Clock;
  /** Namespaces that exist from the start (kube-system is always added). Default `['default']`. */
  namespaces?: readonly string[];
  /** How many events the watch history keeps; older resourceVersions get 410 Expired. Default 1000. */
  watchHistorySize?: number;
}

export interface FakeObjectStore extends ObjectStore {
  readonly registry: ResourceRegistry;
  readonly clock: Clock;
  create(
    gvr: GroupVersionResource,
    object: KubeObject,
    options?: WriteOptions & ServerWriteOptions,
  ): KubeObject;
  update(
    gvr: GroupVersionResource,
    object: KubeObject,
    options?: WriteOptions & ServerWriteOptions,
  ): KubeObject;
  patch(
    gvr: GroupVersionResource,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    patchType: PatchType | 'strategic',
    options?: PatchOptions & ServerWriteOptions,
  ): KubeObject;
  /** The `autoscaling/v1 Scale` of an object whose version serves `/scale`. */
  getScale(gvr: GroupVersionResource, namespace: string | undefined, name: string): KubeObject;
  /**
   * Resolves once the garbage collector (and namespace controller) has run to a standstill:
   * deletion propagates after the DELETE returns, as on a real cluster. Terminating pods still
   * wait for their kubelet.
   */
  gcSettled(): Promise<void>;
  /** Forgets the whole watch history: every watch from an existing resourceVersion gets 410. */
  compactHistory(): void;
  /** The oldest resourceVersion a watch may resume from without 410. */
  oldestWatchableResourceVersion(): string;
}

const SYSTEM_NAMESPACES = ['kube-system', 'kube-public', 'kube-node-lease'];

export function createObjectStore(options: ObjectStoreOptions = {}): FakeObjectStore {
  const clock = options.clock ?? systemClock;
  const crds =
    typeof options.crds === 'string' || options.crds === undefined
      ? loadCrdProfile(options.crds ?? 'main')
      : options.crds;
  const registry = createResourceRegistry(crds);
  const historySize = options.watchHistorySize ?? 1000;
  if (!(historySize >= 1))
    throw new RangeError(`watchHistorySize must be >= 1, got ${historySize}`);
  const s: StoreState = {
    clock,
    registry,
    tables: new Map(),
    byUid: new Map(),
    nsType: registry.byKind('', 'Namespace')!,
    historySize,
    history: [],
    watchers: new Set(),
    pending: [],
    compactedThrough: 0,
    rv: 1,
    dispatching: false,
    gcScheduled: false,
    gcWaiters: [],
  };
  for (const t of registry.all()) s.tables.set(typeKeyOf(t), new Map());

  // --- bootstrap ---

  const created = clock.now();
  for (const name of [...new Set([...(options.namespaces ?? ['default']), ...SYSTEM_NAMESPACES])]) {
    const ns: KubeObject = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name,
        uid: randomUUID(),
        creationTimestamp: formatKubeTime(created),
        labels: { 'kubernetes.io/metadata.name': name },
      },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    };
    commitPut(s, s.nsType, ns, undefined);
  }

  return {
    registry,
    clock,
    currentResourceVersion: () => String(s.rv),
    get: (gvr, namespace, name) => get(s, gvr, namespace, name),
    getScale: (gvr, namespace, name) => getScale(s, gvr, namespace, name),
    list: (gvr, opts) => list(s, gvr, opts),
    create: (gvr, object, opts) => create(s, gvr, object, opts),
    update: (gvr, object, opts) => update(s, gvr, object, opts),
    patch: (gvr, namespace, name, body, patchType, opts) =>
      patch(s, gvr, namespace, name, body, patchType, opts),
    delete: (gvr, namespace, name, opts) => del(s, gvr, namespace, name, opts),
    watch: (gvr, opts, onEvent) => watch(s, gvr, opts, onEvent),
    gcSettled: () => gcSettled(s),
    compactHistory() {
      if (s.history.length > 0) s.compactedThrough = s.history[s.history.length - 1]!.rv;
      s.compactedThrough = Math.max(s.compactedThrough, s.rv);
      s.history.length = 0;
    },
    oldestWatchableResourceVersion: () => String(s.compactedThrough),
  };
}
