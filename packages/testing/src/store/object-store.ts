/**
 * The in-memory registry behind the fake API server: one global resourceVersion counter,
 * objects kept once in their storage version, conversion on every read and write, validation
 * and defaulting from CRD schemas, field ownership, garbage collection, and a bounded event
 * history for watches.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { formatKubeTime, systemClock } from '../clock.js';
import type { Clock } from '../clock.js';
import { loadCrdProfile } from '../resources/crd-loader.js';
import type { CrdProfile } from '../resources/crd-loader.js';
import { metadataErrors, nameErrors } from '../resources/metadata-validation.js';
import type { NameRule } from '../resources/metadata-validation.js';
import { createResourceRegistry } from '../resources/registry.js';
import type { ResolvedResource, ResourceRegistry } from '../resources/registry.js';
import type { CrdObject, ResourceType } from '../resources/types.js';
import { applyDefaults, prune, validate } from '../schema/structural.js';
import { applyConfig, recordUpdate } from './managed-fields.js';
import { deepClone, deepEqual, isPlainObject, jsonPatch, mergePatch } from './patch.js';
import { toScale, write as writePath } from './scale.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import type { Matcher } from './selectors.js';
import {
  alreadyExists,
  badRequest,
  conflict,
  expired,
  forbidden,
  invalid,
  methodNotAllowed,
  notFound,
  STALE_OBJECT,
  StatusError,
  unsupportedMediaType,
} from './status-error.js';
import type { FieldError } from './status-error.js';
import type {
  DeleteOptions,
  GroupVersionResource,
  KubeObject,
  ListOptions,
  ObjectList,
  ObjectStore,
  PatchOptions,
  PatchType,
  StoreEvent,
  StoreEventType,
  WatchOptions,
  WriteOptions,
} from './types.js';

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

/** How unknown fields are treated (the `fieldValidation` query parameter). */
export type FieldValidation = 'Ignore' | 'Warn' | 'Strict';

/** Extra write options the HTTP layer uses; in-process callers may use them too. */
export interface ServerWriteOptions {
  fieldValidation?: FieldValidation;
  /** Receives `Warning` texts (unknown fields under Warn, …). */
  warnings?: string[];
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
  /** Forgets the whole watch history: every watch from an existing resourceVersion gets 410. */
  compactHistory(): void;
  /** The oldest resourceVersion a watch may resume from without 410. */
  oldestWatchableResourceVersion(): string;
}

interface HistoryEvent {
  rv: number;
  type: StoreEventType;
  typeKey: string;
  namespace: string | undefined;
  object: KubeObject;
  previous: KubeObject | undefined;
}

interface Watcher {
  typeKey: string;
  type: ResourceType;
  version: string;
  namespace: string | undefined;
  labels: Matcher;
  fields: Matcher;
  lastRv: number;
  onEvent: (event: StoreEvent) => void;
}

const SYSTEM_NAMESPACES = ['kube-system', 'kube-public', 'kube-node-lease'];
const GENERATE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

const typeKeyOf = (t: ResourceType): string => `${t.group}/${t.plural}`;
const objectKey = (namespace: string | undefined, name: string): string =>
  `${namespace ?? ''}/${name}`;

function randomSuffix(): string {
  const bytes = randomBytes(5);
  return [...bytes].map((b) => GENERATE_ALPHABET[b % GENERATE_ALPHABET.length]).join('');
}

function nameRule(type: ResourceType): NameRule {
  if (type.builtin && type.group === '' && type.kind === 'Namespace') return 'label';
  if (type.builtin && type.group === '' && type.kind === 'Service') return 'dns1035';
  return 'subdomain';
}

/** Everything but metadata and status: what bumps `metadata.generation` when it changes. */
function specOf(object: KubeObject): Record<string, unknown> {
  const rest: Record<string, unknown> = { ...object };
  for (const key of ['metadata', 'status', 'apiVersion', 'kind']) delete rest[key];
  return rest;
}

function withoutVolatile(object: KubeObject): KubeObject {
  const copy = { ...object, metadata: { ...object.metadata } };
  delete copy.metadata.resourceVersion;
  delete copy.metadata.managedFields;
  return copy;
}

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

  const tables = new Map<string, Map<string, KubeObject>>();
  const byUid = new Map<string, { type: ResourceType; key: string }>();
  const history: HistoryEvent[] = [];
  let compactedThrough = 0;
  let rv = 1;
  const watchers = new Set<Watcher>();
  const pending: HistoryEvent[] = [];
  let dispatching = false;

  for (const t of registry.all()) tables.set(typeKeyOf(t), new Map());
  const nsType = registry.byKind('', 'Namespace')!;

  const table = (type: ResourceType): Map<string, KubeObject> => tables.get(typeKeyOf(type))!;
  const now = (): string => formatKubeTime(clock.now());

  function resolve(gvr: GroupVersionResource): ResolvedResource {
    return registry.resolve(gvr);
  }

  function toVersion(type: ResourceType, object: KubeObject, version: string): KubeObject {
    const converted = type.convert(object, version);
    return converted === object ? deepClone(object) : converted;
  }

  function schemaOf(type: ResourceType, version: string) {
    return type.versions.find((v) => v.name === version)?.schema;
  }

  // --- watch dispatch ---

  function deliver(w: Watcher, ev: HistoryEvent): void {
    if (ev.rv <= w.lastRv || ev.typeKey !== w.typeKey) return;
    w.lastRv = ev.rv;
    if (w.namespace !== undefined && ev.namespace !== w.namespace) return;
    const object = toVersion(w.type, ev.object, w.version);
    const matches = (o: KubeObject): boolean => w.labels(o) && w.fields(o);
    let type: StoreEventType | undefined;
    if (ev.type === 'MODIFIED' && ev.previous !== undefined) {
      const was = matches(toVersion(w.type, ev.previous, w.version));
      const is = matches(object);
      type = was && is ? 'MODIFIED' : was ? 'DELETED' : is ? 'ADDED' : undefined;
    } else if (matches(object)) {
      type = ev.type;
    }
    if (type === undefined) return;
    try {
      w.onEvent({ type, object });
    } catch (err) {
      queueMicrotask(() => {
        throw err;
      });
    }
  }

  function emit(
    type: StoreEventType,
    t: ResourceType,
    object: KubeObject,
    previous?: KubeObject,
  ): void {
    const ev: HistoryEvent = {
      rv: Number(object.metadata.resourceVersion),
      type,
      typeKey: typeKeyOf(t),
      namespace: object.metadata.namespace,
      object: deepClone(object),
      previous: previous === undefined ? undefined : deepClone(previous),
    };
    history.push(ev);
    while (history.length > historySize) compactedThrough = history.shift()!.rv;
    pending.push(ev);
    if (dispatching) return;
    dispatching = true;
    try {
      while (pending.length > 0) {
        const next = pending.shift()!;
        for (const w of [...watchers]) if (watchers.has(w)) deliver(w, next);
      }
    } finally {
      dispatching = false;
    }
  }

  // --- low-level commit ---

  function commitPut(
    t: ResourceType,
    object: KubeObject,
    previous: KubeObject | undefined,
  ): KubeObject {
    rv += 1;
    object.metadata.resourceVersion = String(rv);
    const key = objectKey(object.metadata.namespace, object.metadata.name!);
    table(t).set(key, object);
    byUid.set(object.metadata.uid!, { type: t, key });
    emit(previous === undefined ? 'ADDED' : 'MODIFIED', t, object, previous);
    return object;
  }

  function commitRemove(t: ResourceType, object: KubeObject): KubeObject {
    rv += 1;
    const removed = deepClone(object);
    removed.metadata.resourceVersion = String(rv);
    table(t).delete(objectKey(object.metadata.namespace, object.metadata.name!));
    byUid.delete(object.metadata.uid!);
    emit('DELETED', t, removed);
    return removed;
  }

  function lookup(
    t: ResourceType,
    namespace: string | undefined,
    name: string,
  ): KubeObject | undefined {
    return table(t).get(objectKey(t.namespaced ? namespace : undefined, name));
  }

  function mustGet(t: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const found = lookup(t, namespace, name);
    if (found === undefined) throw notFound(t.group, t.plural, name);
    return found;
  }

  // --- validation ---

  function checkNamespace(
    t: ResourceType,
    namespace: string | undefined,
    creating: boolean,
    name = '',
  ): void {
    if (!t.namespaced) return;
    if (namespace === undefined || namespace === '') {
      throw badRequest(
        'the server could not find the requested resource: a namespace is required for namespaced resources',
      );
    }
    const ns = lookup(nsType, undefined, namespace);
    if (ns === undefined) throw notFound('', 'namespaces', namespace);
    if (creating && ns.metadata.deletionTimestamp !== undefined) {
      throw forbidden(
        `${t.plural}${t.group ? '.' + t.group : ''} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
        { name: namespace, kind: 'namespaces' },
      );
    }
  }

  /** Prune, default and validate in the request version; returns warnings for pruned fields. */
  function admit(
    t: ResourceType,
    version: string,
    object: KubeObject,
    old: KubeObject | undefined,
    opts: ServerWriteOptions,
  ): void {
    const errors: FieldError[] = [];
    const meta = object.metadata;
    if (!isPlainObject(meta)) throw badRequest('metadata must be an object');
    if (meta.name === undefined || meta.name === '') {
      errors.push({
        type: 'FieldValueRequired',
        field: 'metadata.name',
        detail: 'Required value: name or generateName is required',
      });
    } else if (typeof meta.name !== 'string') {
      errors.push({
        type: 'FieldValueTypeInvalid',
        field: 'metadata.name',
        detail: 'Invalid value: must be a string',
      });
    } else {
      errors.push(...nameErrors(meta.name, nameRule(t)));
    }
    errors.push(...metadataErrors(meta));
    if (old?.metadata.deletionTimestamp !== undefined) {
      const before = new Set(old.metadata.finalizers ?? []);
      for (const f of meta.finalizers ?? []) {
        if (!before.has(f)) {
          errors.push({
            type: 'FieldValueForbidden',
            field: 'metadata.finalizers',
            detail: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"${f}"}`,
          });
        }
      }
    }
    const schema = schemaOf(t, version);
    if (schema !== undefined) {
      const dropped = prune(object, schema);
      const mode = opts.fieldValidation ?? 'Warn';
      if (dropped.length > 0 && mode === 'Strict') {
        throw badRequest(
          `strict decoding error: ${dropped.map((d) => `unknown field "${d}"`).join(', ')}`,
        );
      }
      if (dropped.length > 0 && mode === 'Warn') {
        for (const d of dropped) opts.warnings?.push(`unknown field "${d}"`);
      }
      applyDefaults(object, schema);
      errors.push(...validate(object, schema).filter((e) => !e.field.startsWith('metadata')));
    }
    if (t.builtin) errors.push(...builtinErrors(t, object));
    if (errors.length > 0)
      throw invalid(t.group, t.kind, typeof meta.name === 'string' ? meta.name : '', errors);
  }

  function builtinErrors(t: ResourceType, object: KubeObject): FieldError[] {
    const errors: FieldError[] = [];
    if (t.kind === 'Pod') {
      const spec = object.spec;
      const containers = isPlainObject(spec) ? spec.containers : undefined;
      if (!Array.isArray(containers) || containers.length === 0) {
        errors.push({
          type: 'FieldValueRequired',
          field: 'spec.containers',
          detail: 'Required value',
        });
      } else {
        for (const [i, c] of containers.entries()) {
          if (!isPlainObject(c) || typeof c.name !== 'string' || c.name === '') {
            errors.push({
              type: 'FieldValueRequired',
              field: `spec.containers[${i}].name`,
              detail: 'Required value',
            });
          }
          if (!isPlainObject(c) || typeof c.image !== 'string' || c.image === '') {
            errors.push({
              type: 'FieldValueRequired',
              field: `spec.containers[${i}].image`,
              detail: 'Required value',
            });
          }
        }
      }
    }
    if (t.kind === 'Secret' && isPlainObject(object.data)) {
      for (const [k, v] of Object.entries(object.data)) {
        if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) {
          errors.push({
            type: 'FieldValueInvalid',
            field: `data[${k}]`,
            detail: 'Invalid value: "<secret contents redacted>": illegal base64 data',
          });
        }
      }
    }
    return errors;
  }

  /** Server-side defaults and bookkeeping of built-in kinds (what their registries do). */
  function prepareBuiltin(t: ResourceType, object: KubeObject, old: KubeObject | undefined): void {
    if (!t.builtin) return;
    if (t.kind === 'Namespace') {
      object.metadata.labels = {
        ...object.metadata.labels,
        'kubernetes.io/metadata.name': object.metadata.name!,
      };
      if (old === undefined) {
        object.spec = { finalizers: ['kubernetes'] };
        object.status = { phase: 'Active' };
      }
    }
    if (t.kind === 'Pod' && old === undefined) {
      object.status = { phase: 'Pending', qosClass: 'BestEffort' };
    }
    if (t.kind === 'Secret') {
      const stringData = object.stringData;
      delete object.stringData;
      if (isPlainObject(stringData)) {
        const data: Record<string, unknown> = isPlainObject(object.data) ? { ...object.data } : {};
        for (const [k, v] of Object.entries(stringData))
          data[k] = Buffer.from(String(v as string)).toString('base64');
        object.data = data;
      }
      object.type ??= 'Opaque';
    }
    if (t.kind === 'Service') {
      const spec: Record<string, unknown> = isPlainObject(object.spec) ? object.spec : {};
      object.spec = spec;
      spec.type ??= 'ClusterIP';
      const oldSpec = isPlainObject(old?.spec) ? old.spec : {};
      if (spec.type !== 'ExternalName' && spec.clusterIP === undefined) {
        spec.clusterIP = oldSpec.clusterIP ?? `10.96.${(rv >> 8) & 255}.${rv & 255}`;
      }
      if (typeof spec.clusterIP === 'string') spec.clusterIPs ??= [spec.clusterIP];
      spec.sessionAffinity ??= 'None';
      if (old === undefined) object.status = { loadBalancer: {} };
    }
  }

  function managerChange(
    type: ResourceType,
    version: string,
    opts: WriteOptions,
    operation: 'Apply' | 'Update',
  ) {
    const subresource =
      opts.subresource === 'status' || opts.subresource === 'scale' ? opts.subresource : undefined;
    return {
      manager: opts.fieldManager!,
      operation,
      apiVersion: type.group ? `${type.group}/${version}` : version,
      time: now(),
      subresource,
    };
  }

  // --- create ---

  function create(
    gvr: GroupVersionResource,
    input: KubeObject,
    opts: WriteOptions & ServerWriteOptions = {},
  ): KubeObject {
    const { type: t, version: v } = resolve(gvr);
    if (opts.subresource !== undefined)
      throw methodNotAllowed(`the server does not allow this method on the requested resource`);
    if (!isPlainObject(input)) throw badRequest('the request body must be a JSON object');
    const object = deepClone(input);
    const expectedApiVersion = t.group ? `${t.group}/${v.name}` : v.name;
    if (object.apiVersion === undefined || object.apiVersion === '')
      object.apiVersion = expectedApiVersion;
    if (object.kind === undefined || object.kind === '') object.kind = t.kind;
    if (object.apiVersion !== expectedApiVersion || object.kind !== t.kind) {
      throw badRequest(
        `the API version in the data (${object.apiVersion}) does not match the expected API version (${expectedApiVersion})`,
      );
    }
    object.metadata = isPlainObject(object.metadata) ? object.metadata : {};
    const meta = object.metadata;
    if (meta.resourceVersion !== undefined && meta.resourceVersion !== '') {
      throw badRequest('resourceVersion should not be set on objects to be created');
    }
    delete meta.resourceVersion;
    if (t.namespaced) {
      if (meta.namespace === undefined || meta.namespace === '') meta.namespace = 'default';
    } else {
      delete meta.namespace;
    }
    if (
      (meta.name === undefined || meta.name === '') &&
      typeof meta.generateName === 'string' &&
      meta.generateName !== ''
    ) {
      meta.name = `${meta.generateName}${randomSuffix()}`;
    }
    checkNamespace(t, meta.namespace, true, typeof meta.name === 'string' ? meta.name : '');
    const vinfo = v;
    if (vinfo.status && !t.builtin) delete object.status;
    prepareBuiltin(t, object, undefined);
    admit(t, v.name, object, undefined, opts);
    meta.uid = randomUUID();
    meta.creationTimestamp = now();
    meta.generation = 1;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.managedFields;
    if (opts.fieldManager !== undefined)
      recordUpdate({}, object, managerChange(t, v.name, opts, 'Update'));
    let stored = toVersion(t, object, t.storageVersion);
    const storageSchema = schemaOf(t, t.storageVersion);
    if (t.storageVersion !== v.name && storageSchema) applyDefaults(stored, storageSchema);
    if (lookup(t, meta.namespace, meta.name!) !== undefined)
      throw alreadyExists(t.group, t.plural, meta.name!);
    if (opts.dryRun === true) return toVersion(t, stored, v.name);
    stored = commitPut(t, stored, undefined);
    return toVersion(t, stored, v.name);
  }

  // --- update (PUT and the tail of every patch) ---

  interface UpdateInternal {
    /** managedFields already computed (apply). */
    ownershipDone?: boolean;
  }

  function update(
    gvr: GroupVersionResource,
    input: KubeObject,
    opts: WriteOptions & ServerWriteOptions = {},
    internal: UpdateInternal = {},
  ): KubeObject {
    const { type: t, version: v } = resolve(gvr);
    if (!isPlainObject(input) || !isPlainObject(input.metadata))
      throw badRequest('the request body must be a JSON object with metadata');
    const name = input.metadata.name;
    if (typeof name !== 'string' || name === '') {
      throw invalid(t.group, t.kind, '', [
        {
          type: 'FieldValueRequired',
          field: 'metadata.name',
          detail: 'Required value: name is required',
        },
      ]);
    }
    const namespace = t.namespaced ? (input.metadata.namespace ?? 'default') : undefined;
    if (t.namespaced) checkNamespace(t, namespace, false);
    const current = mustGet(t, namespace, name);
    const requestedRv = input.metadata.resourceVersion;
    if (
      requestedRv !== undefined &&
      requestedRv !== '' &&
      requestedRv !== current.metadata.resourceVersion
    ) {
      throw conflict(t.group, t.plural, name, STALE_OBJECT);
    }
    if (opts.subresource === 'status' && !v.status)
      throw notFound(t.group, `${t.plural}/status`, name);
    if (opts.subresource === 'scale' && v.scale === undefined)
      throw notFound(t.group, `${t.plural}/scale`, name);
    const old = toVersion(t, current, v.name);
    let next: KubeObject;
    if (opts.subresource === 'status') {
      next = deepClone(old);
      if (input.status === undefined) delete next.status;
      else next.status = deepClone(input.status);
    } else if (opts.subresource === 'scale') {
      next = deepClone(old);
      const spec = isPlainObject(input.spec) ? input.spec : {};
      writePath(next, v.scale!.specReplicasPath, spec.replicas);
    } else {
      next = deepClone(input);
      const expectedApiVersion = t.group ? `${t.group}/${v.name}` : v.name;
      next.apiVersion ??= expectedApiVersion;
      next.kind ??= t.kind;
      if (next.apiVersion !== expectedApiVersion || next.kind !== t.kind) {
        throw badRequest(
          `the API version in the data (${next.apiVersion}) does not match the expected API version (${expectedApiVersion})`,
        );
      }
      if (v.status) {
        if (old.status === undefined) delete next.status;
        else next.status = deepClone(old.status);
      }
    }
    // Server-owned metadata is not writable through the main resource.
    const meta = next.metadata as Record<string, unknown>;
    meta.name = name;
    meta.namespace = namespace;
    for (const key of [
      'uid',
      'creationTimestamp',
      'generation',
      'resourceVersion',
      'deletionTimestamp',
      'deletionGracePeriodSeconds',
    ] as const) {
      meta[key] = old.metadata[key];
    }
    if (opts.subresource !== undefined) {
      // status/scale writes cannot change metadata other than through managedFields.
      const keep = meta.managedFields;
      next.metadata = { ...old.metadata };
      if (internal.ownershipDone) (next.metadata as Record<string, unknown>).managedFields = keep;
    } else if (!internal.ownershipDone) {
      meta.managedFields = old.metadata.managedFields;
    }
    for (const key of Object.keys(next.metadata))
      if (next.metadata[key] === undefined) delete next.metadata[key];
    prepareBuiltin(t, next, old);
    admit(t, v.name, next, old, opts);
    if (!internal.ownershipDone && opts.fieldManager !== undefined) {
      recordUpdate(old, next, managerChange(t, v.name, opts, 'Update'));
    }
    let stored = toVersion(t, next, t.storageVersion);
    const storageSchema = schemaOf(t, t.storageVersion);
    if (t.storageVersion !== v.name && storageSchema) applyDefaults(stored, storageSchema);
    if (!deepEqual(specOf(stored), specOf(current)))
      stored.metadata.generation = (current.metadata.generation ?? 0) + 1;
    if (deepEqual(withoutVolatile(stored), withoutVolatile(current))) return old;
    if (opts.dryRun === true) return toVersion(t, stored, v.name);
    if (
      stored.metadata.deletionTimestamp !== undefined &&
      (stored.metadata.finalizers ?? []).length === 0
    ) {
      const removed = commitRemove(t, stored);
      gcSweep();
      return toVersion(t, removed, v.name);
    }
    stored = commitPut(t, stored, current);
    if (
      current.metadata.deletionTimestamp !== undefined ||
      !deepEqual(current.metadata.ownerReferences, stored.metadata.ownerReferences)
    ) {
      gcSweep();
    }
    return toVersion(t, stored, v.name);
  }

  // --- patch ---

  function patch(
    gvr: GroupVersionResource,
    namespace: string | undefined,
    name: string,
    body: unknown,
    patchType: PatchType | 'strategic',
    opts: PatchOptions & ServerWriteOptions = {},
  ): KubeObject {
    const { type: t, version: v } = resolve(gvr);
    const ns = t.namespaced ? (namespace ?? 'default') : undefined;
    if (patchType === 'strategic') {
      if (!t.builtin) {
        throw unsupportedMediaType(
          'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
        );
      }
      // Built-in kinds: a strategic merge patch is treated as a JSON merge patch (lists replace).
      patchType = 'merge';
    }
    const writeOpts: WriteOptions & ServerWriteOptions = {};
    if (opts.subresource !== undefined) writeOpts.subresource = opts.subresource;
    if (opts.fieldManager !== undefined) writeOpts.fieldManager = opts.fieldManager;
    if (opts.dryRun !== undefined) writeOpts.dryRun = opts.dryRun;
    if (opts.fieldValidation !== undefined) writeOpts.fieldValidation = opts.fieldValidation;
    if (opts.warnings !== undefined) writeOpts.warnings = opts.warnings;

    if (patchType === 'apply') {
      if (opts.fieldManager === undefined || opts.fieldManager === '') {
        throw badRequest(
          'PATCH requests with apply-patch+yaml must specify a field manager (the fieldManager query parameter)',
        );
      }
      if (!isPlainObject(body)) throw badRequest('apply patches must be a single object');
      const config = deepClone(body) as KubeObject;
      config.metadata = isPlainObject(config.metadata) ? config.metadata : {};
      if (config.metadata.name !== undefined && config.metadata.name !== name) {
        throw badRequest(
          `the name of the object (${String(config.metadata.name)}) does not match the name on the URL (${name})`,
        );
      }
      const expectedApiVersion = t.group ? `${t.group}/${v.name}` : v.name;
      if (
        opts.subresource === undefined &&
        (config.apiVersion !== expectedApiVersion || config.kind !== t.kind)
      ) {
        throw badRequest(
          `invalid object type: ${String(config.apiVersion)}, Kind=${String(config.kind)}; the URL expects ${expectedApiVersion}, Kind=${t.kind}`,
        );
      }
      const existing = lookup(t, ns, name);
      if (existing === undefined) {
        if (opts.subresource !== undefined) throw notFound(t.group, t.plural, name);
        const fresh = deepClone(config);
        fresh.metadata.name = name;
        if (ns !== undefined) fresh.metadata.namespace = ns;
        // create() records an Update entry; apply wants an Apply entry for the same fields.
        const created = create(gvr, fresh, { ...writeOpts, fieldManager: opts.fieldManager });
        if (opts.dryRun === true) return created;
        const managed = (created.metadata.managedFields ?? []) as { operation: string }[];
        for (const entry of managed) entry.operation = 'Apply';
        const stored = lookup(t, ns, name)!;
        stored.metadata.managedFields = managed;
        // Patch the history event too so watchers that resume see the same managedFields.
        const last = history[history.length - 1];
        if (last !== undefined && last.object.metadata.uid === stored.metadata.uid)
          last.object.metadata.managedFields = deepClone(managed);
        return created;
      }
      const live = toVersion(t, existing, v.name);
      let merged: KubeObject;
      if (opts.subresource === 'status') {
        const statusConfig = { metadata: config.metadata, status: config.status };
        merged = applyConfig(
          live,
          statusConfig,
          managerChange(t, v.name, writeOpts, 'Apply'),
          opts.force === true,
          { group: t.group, resource: t.plural, name },
        ) as KubeObject;
      } else {
        merged = applyConfig(
          live,
          config,
          managerChange(t, v.name, writeOpts, 'Apply'),
          opts.force === true,
          { group: t.group, resource: t.plural, name },
        ) as KubeObject;
      }
      if (live.metadata.resourceVersion !== undefined)
        merged.metadata.resourceVersion = live.metadata.resourceVersion;
      return update(gvr, merged, writeOpts, { ownershipDone: true });
    }

    const existing = mustGet(t, ns, name);
    let base: KubeObject;
    if (opts.subresource === 'scale') {
      if (v.scale === undefined) throw notFound(t.group, `${t.plural}/scale`, name);
      base = toScale(toVersion(t, existing, v.name), v.scale);
    } else {
      base = toVersion(t, existing, v.name);
    }
    let patched: unknown;
    if (patchType === 'merge') {
      if (!isPlainObject(body)) throw badRequest('merge patches must be JSON objects');
      patched = mergePatch(base, body);
    } else {
      patched = jsonPatch(base, body);
    }
    if (!isPlainObject(patched))
      throw new StatusError(422, 'Invalid', 'the patched object is not an object');
    const result = patched as KubeObject;
    if (!isPlainObject(result.metadata)) result.metadata = {};
    result.metadata.name = name;
    if (ns !== undefined) result.metadata.namespace = ns;
    if (opts.subresource === 'scale') {
      return toScale(
        update(gvr, { ...result, metadata: { ...result.metadata } }, writeOpts),
        v.scale!,
      );
    }
    return update(gvr, result, writeOpts);
  }

  // --- delete and garbage collection ---

  function markDeleting(t: ResourceType, current: KubeObject, addFinalizer?: string): KubeObject {
    const next = deepClone(current);
    next.metadata.deletionTimestamp ??= now();
    next.metadata.deletionGracePeriodSeconds ??= 0;
    if (addFinalizer !== undefined && !(next.metadata.finalizers ?? []).includes(addFinalizer)) {
      next.metadata.finalizers = [...(next.metadata.finalizers ?? []), addFinalizer];
    }
    if (t.builtin && t.kind === 'Namespace')
      next.status = { ...(isPlainObject(next.status) ? next.status : {}), phase: 'Terminating' };
    if (deepEqual(next, current)) return current;
    return commitPut(t, next, current);
  }

  function orphanDependents(uid: string): void {
    for (const [typeKey, objects] of tables) {
      const t = registry.all().find((x) => typeKeyOf(x) === typeKey)!;
      for (const obj of [...objects.values()]) {
        const refs = obj.metadata.ownerReferences ?? [];
        if (!refs.some((r) => r.uid === uid)) continue;
        const next = deepClone(obj);
        const remaining = refs.filter((r) => r.uid !== uid);
        if (remaining.length > 0) next.metadata.ownerReferences = remaining;
        else delete next.metadata.ownerReferences;
        commitPut(t, next, obj);
      }
    }
  }

  /** Deletes without GC; returns the final object (deleted, or marked for deletion). */
  function deleteOne(t: ResourceType, current: KubeObject, policy: string | undefined): KubeObject {
    if (policy === 'Orphan') orphanDependents(current.metadata.uid!);
    if (t.builtin && t.kind === 'Namespace') return markDeleting(t, current, undefined);
    if (policy === 'Foreground') return markDeleting(t, current, 'foregroundDeletion');
    if ((current.metadata.finalizers ?? []).length > 0) return markDeleting(t, current);
    return commitRemove(t, current);
  }

  function exists(uid: string): KubeObject | undefined {
    const loc = byUid.get(uid);
    return loc === undefined ? undefined : tables.get(typeKeyOf(loc.type))?.get(loc.key);
  }

  /** What the garbage collector and namespace controller do, run to a fixed point. */
  function gcSweep(): void {
    for (let round = 0; round < 1000; round++) {
      let changed = false;
      for (const t of registry.all()) {
        for (const obj of [...table(t).values()]) {
          const refs = obj.metadata.ownerReferences ?? [];
          if (refs.length > 0 && obj.metadata.deletionTimestamp === undefined) {
            const owners = refs.map((r) => exists(r.uid));
            const gone = owners.every(
              (o) =>
                o === undefined ||
                (o.metadata.deletionTimestamp !== undefined &&
                  (o.metadata.finalizers ?? []).includes('foregroundDeletion')),
            );
            if (gone) {
              deleteOne(t, obj, 'Background');
              changed = true;
              continue;
            }
          }
          if (
            obj.metadata.deletionTimestamp !== undefined &&
            (obj.metadata.finalizers ?? []).includes('foregroundDeletion')
          ) {
            const uid = obj.metadata.uid!;
            const blocked = [...tables.values()].some((objs) =>
              [...objs.values()].some((d) =>
                (d.metadata.ownerReferences ?? []).some(
                  (r) => r.uid === uid && r.blockOwnerDeletion === true,
                ),
              ),
            );
            if (!blocked) {
              const next = deepClone(obj);
              next.metadata.finalizers = (next.metadata.finalizers ?? []).filter(
                (f) => f !== 'foregroundDeletion',
              );
              if (next.metadata.finalizers.length === 0) {
                delete next.metadata.finalizers;
                commitRemove(t, next);
              } else commitPut(t, next, obj);
              changed = true;
            }
          }
        }
      }
      for (const ns of [...table(nsType).values()]) {
        if (ns.metadata.deletionTimestamp === undefined) continue;
        const name = ns.metadata.name!;
        let remaining = 0;
        for (const t of registry.all()) {
          if (!t.namespaced) continue;
          for (const obj of [...table(t).values()]) {
            if (obj.metadata.namespace !== name) continue;
            remaining++;
            if (obj.metadata.deletionTimestamp === undefined) {
              deleteOne(t, obj, 'Background');
              changed = true;
            }
          }
        }
        if (remaining === 0) {
          commitRemove(nsType, ns);
          changed = true;
        }
      }
      if (!changed) return;
    }
  }

  function del(
    gvr: GroupVersionResource,
    namespace: string | undefined,
    name: string,
    opts: DeleteOptions = {},
  ): KubeObject {
    const { type: t, version: v } = resolve(gvr);
    const current = mustGet(t, t.namespaced ? (namespace ?? 'default') : undefined, name);
    const pre = opts.preconditions;
    if (pre?.uid !== undefined && pre.uid !== current.metadata.uid) {
      throw conflict(
        t.group,
        t.plural,
        name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid}`,
      );
    }
    if (
      pre?.resourceVersion !== undefined &&
      pre.resourceVersion !== current.metadata.resourceVersion
    ) {
      throw conflict(
        t.group,
        t.plural,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`,
      );
    }
    if (
      opts.propagationPolicy !== undefined &&
      !['Background', 'Foreground', 'Orphan'].includes(opts.propagationPolicy)
    ) {
      throw invalid(t.group, t.kind, name, [
        {
          type: 'FieldValueNotSupported',
          field: 'propagationPolicy',
          detail: `Unsupported value: "${opts.propagationPolicy}": supported values: "Foreground", "Background", "Orphan", "nil"`,
        },
      ]);
    }
    if (opts.dryRun === true) return toVersion(t, current, v.name);
    const result = deleteOne(t, current, opts.propagationPolicy);
    gcSweep();
    const still = lookup(t, current.metadata.namespace, name);
    return toVersion(t, still ?? result, v.name);
  }

  // --- reads ---

  function get(
    gvr: GroupVersionResource,
    namespace: string | undefined,
    name: string,
  ): KubeObject | undefined {
    const { type: t, version: v } = resolve(gvr);
    const found = lookup(t, namespace, name);
    return found === undefined ? undefined : toVersion(t, found, v.name);
  }

  function getScale(
    gvr: GroupVersionResource,
    namespace: string | undefined,
    name: string,
  ): KubeObject {
    const { type: t, version: v } = resolve(gvr);
    if (v.scale === undefined) throw notFound(t.group, `${t.plural}/scale`, name);
    return toScale(toVersion(t, mustGet(t, namespace, name), v.name), v.scale);
  }

  interface ContinueToken {
    rv: number;
    start: string;
  }

  function list(gvr: GroupVersionResource, opts: ListOptions = {}): ObjectList {
    const { type: t, version: v } = resolve(gvr);
    const labels = parseLabelSelector(opts.labelSelector);
    const fields = parseFieldSelector(opts.fieldSelector, t.fieldSelectors);
    let listRv = rv;
    let start = '';
    if (opts.continue !== undefined && opts.continue !== '') {
      let token: ContinueToken;
      try {
        token = JSON.parse(
          Buffer.from(opts.continue, 'base64url').toString('utf8'),
        ) as ContinueToken;
        if (typeof token.rv !== 'number' || typeof token.start !== 'string')
          throw new Error('bad token');
      } catch {
        throw badRequest('continue key is not valid: illegal base64 data at input byte 0');
      }
      if (token.rv <= compactedThrough) {
        throw expired(
          'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
        );
      }
      listRv = token.rv;
      start = token.start;
    }
    const keys = [...table(t).keys()].filter((k) => k > start).sort();
    const items: KubeObject[] = [];
    let lastKey = '';
    let remaining = 0;
    const limit = opts.limit !== undefined && opts.limit > 0 ? opts.limit : Infinity;
    for (const key of keys) {
      const obj = table(t).get(key)!;
      if (
        t.namespaced &&
        opts.namespace !== undefined &&
        opts.namespace !== '' &&
        obj.metadata.namespace !== opts.namespace
      )
        continue;
      const converted = toVersion(t, obj, v.name);
      if (!labels(converted) || !fields(converted)) continue;
      if (items.length < limit) {
        items.push(converted);
        lastKey = key;
      } else remaining++;
    }
    const result: ObjectList = { items, resourceVersion: String(listRv) };
    if (remaining > 0) {
      result.continue = Buffer.from(
        JSON.stringify({ rv: listRv, start: lastKey } satisfies ContinueToken),
      ).toString('base64url');
      result.remainingItemCount = remaining;
    }
    return result;
  }

  function watch(
    gvr: GroupVersionResource,
    opts: WatchOptions,
    onEvent: (event: StoreEvent) => void,
  ): () => void {
    const { type: t, version: v } = resolve(gvr);
    const w: Watcher = {
      typeKey: typeKeyOf(t),
      type: t,
      version: v.name,
      namespace: t.namespaced && opts.namespace !== '' ? opts.namespace : undefined,
      labels: parseLabelSelector(opts.labelSelector),
      fields: parseFieldSelector(opts.fieldSelector, t.fieldSelectors),
      lastRv: rv,
      onEvent,
    };
    const from = opts.resourceVersion;
    if (from === undefined || from === '' || from === '0') {
      const snapshot = list(gvr, {
        ...(w.namespace !== undefined ? { namespace: w.namespace } : {}),
      });
      watchers.add(w);
      for (const object of snapshot.items) {
        if (!watchers.has(w)) break;
        if (w.labels(object) && w.fields(object)) onEvent({ type: 'ADDED', object });
      }
    } else {
      const n = Number(from);
      if (!Number.isInteger(n) || n < 0) {
        throw badRequest(`invalid resource version: "${from}"`);
      }
      if (n < compactedThrough) {
        throw expired(`too old resource version: ${n} (${compactedThrough + 1})`);
      }
      w.lastRv = n;
      watchers.add(w);
      for (const ev of history) {
        if (!watchers.has(w)) break;
        if (ev.rv > n && !pending.includes(ev)) deliver(w, ev);
      }
      // Events still queued for dispatch are delivered by the running dispatch loop.
      if (pending.length === 0) w.lastRv = Math.max(w.lastRv, rv);
    }
    return () => {
      watchers.delete(w);
    };
  }

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
    commitPut(nsType, ns, undefined);
  }

  return {
    registry,
    clock,
    currentResourceVersion: () => String(rv),
    get,
    getScale,
    list,
    create,
    update: (gvr, object, opts) => update(gvr, object, opts),
    patch,
    delete: del,
    watch,
    compactHistory() {
      if (history.length > 0) compactedThrough = history[history.length - 1]!.rv;
      compactedThrough = Math.max(compactedThrough, rv);
      history.length = 0;
    },
    oldestWatchableResourceVersion: () => String(compactedThrough),
  };
}
