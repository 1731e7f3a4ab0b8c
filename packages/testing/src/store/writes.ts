/**
 * Create and update (the generic registry's `Create` and `Update`, status and scale subresources
 * included), with field-manager bookkeeping.
 */
import { randomUUID } from 'node:crypto';
import type { ResourceType } from '../resources/types.js';
import { applyDefaults } from '../schema/structural.js';
import { recordUpdate } from './managed-fields.js';
import { deepClone, deepEqual, isPlainObject } from './patch.js';
import { write as writePath } from './scale.js';
import {
  alreadyExists,
  badRequest,
  conflict,
  invalid,
  methodNotAllowed,
  notFound,
  STALE_OBJECT,
} from './status-error.js';
import type { GroupVersionResource, KubeObject, WriteOptions } from './types.js';
import { resolve, toVersion, schemaOf, lookup, mustGet, now } from './store-state.js';
import { commitPut, commitRemove } from './watch-cache.js';
import { checkNamespace, admit, prepareBuiltin } from './admission.js';
import { scheduleGc } from './deletion.js';
import type { StoreState } from './store-state.js';
import { randomSuffix, specOf, withoutVolatile } from './store-state.js';
import type { ServerWriteOptions } from './store-state.js';

interface UpdateInternal {
  /** managedFields already computed (apply). */
  ownershipDone?: boolean;
}

export function managerChange(
  s: StoreState,
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
    time: now(s),
    subresource,
  };
}

export function create(
  s: StoreState,
  gvr: GroupVersionResource,
  input: KubeObject,
  opts: WriteOptions & ServerWriteOptions = {},
): KubeObject {
  const { type: t, version: v } = resolve(s, gvr);
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
  checkNamespace(s, t, meta.namespace, true, typeof meta.name === 'string' ? meta.name : '');
  const vinfo = v;
  if (vinfo.status && !t.builtin) delete object.status;
  prepareBuiltin(s, t, object, undefined);
  admit(t, v.name, object, undefined, opts);
  meta.uid = randomUUID();
  meta.creationTimestamp = now(s);
  meta.generation = 1;
  delete meta.deletionTimestamp;
  delete meta.deletionGracePeriodSeconds;
  delete meta.managedFields;
  if (opts.fieldManager !== undefined)
    recordUpdate({}, object, managerChange(s, t, v.name, opts, 'Update'));
  let stored = toVersion(t, object, t.storageVersion);
  const storageSchema = schemaOf(t, t.storageVersion);
  if (t.storageVersion !== v.name && storageSchema) applyDefaults(stored, storageSchema);
  if (lookup(s, t, meta.namespace, meta.name!) !== undefined)
    throw alreadyExists(t.group, t.plural, meta.name!);
  if (opts.dryRun === true) return toVersion(t, stored, v.name);
  stored = commitPut(s, t, stored, undefined);
  return toVersion(t, stored, v.name);
}

export function update(
  s: StoreState,
  gvr: GroupVersionResource,
  input: KubeObject,
  opts: WriteOptions & ServerWriteOptions = {},
  internal: UpdateInternal = {},
): KubeObject {
  const { type: t, version: v } = resolve(s, gvr);
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
  if (t.namespaced) checkNamespace(s, t, namespace, false);
  const current = mustGet(s, t, namespace, name);
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
  prepareBuiltin(s, t, next, old);
  admit(t, v.name, next, old, opts);
  if (!internal.ownershipDone && opts.fieldManager !== undefined) {
    recordUpdate(old, next, managerChange(s, t, v.name, opts, 'Update'));
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
    (stored.metadata.finalizers ?? []).length === 0 &&
    (stored.metadata.deletionGracePeriodSeconds ?? 0) === 0
  ) {
    const removed = commitRemove(s, t, stored);
    scheduleGc(s);
    return toVersion(t, removed, v.name);
  }
  stored = commitPut(s, t, stored, current);
  if (
    current.metadata.deletionTimestamp !== undefined ||
    !deepEqual(current.metadata.ownerReferences, stored.metadata.ownerReferences)
  ) {
    scheduleGc(s);
  }
  return toVersion(t, stored, v.name);
}
