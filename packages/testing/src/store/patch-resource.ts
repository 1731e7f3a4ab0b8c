/**
 * PATCH (the API server's `patchResource`): JSON, merge, strategic (built-ins) and server-side
 * apply, each ending in an update.
 */
import { applyConfig } from './managed-fields.js';
import { deepClone, isPlainObject, jsonPatch, mergePatch } from './patch.js';
import { toScale } from './scale.js';
import { badRequest, notFound, StatusError, unsupportedMediaType } from './status-error.js';
import type {
  GroupVersionResource,
  KubeObject,
  PatchOptions,
  PatchType,
  WriteOptions,
} from './types.js';
import { resolve, toVersion, lookup, mustGet } from './store-state.js';
import { managerChange, create, update } from './writes.js';
import type { StoreState } from './store-state.js';
import type { ServerWriteOptions } from './store-state.js';

export function patch(
  s: StoreState,
  gvr: GroupVersionResource,
  namespace: string | undefined,
  name: string,
  body: unknown,
  patchType: PatchType | 'strategic',
  opts: PatchOptions & ServerWriteOptions = {},
): KubeObject {
  const { type: t, version: v } = resolve(s, gvr);
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
    const existing = lookup(s, t, ns, name);
    if (existing === undefined) {
      if (opts.subresource !== undefined) throw notFound(t.group, t.plural, name);
      const fresh = deepClone(config);
      fresh.metadata.name = name;
      if (ns !== undefined) fresh.metadata.namespace = ns;
      // create(s) records an Update entry; apply wants an Apply entry for the same fields.
      const created = create(s, gvr, fresh, { ...writeOpts, fieldManager: opts.fieldManager });
      if (opts.dryRun === true) return created;
      const managed = (created.metadata.managedFields ?? []) as { operation: string }[];
      for (const entry of managed) entry.operation = 'Apply';
      const stored = lookup(s, t, ns, name)!;
      stored.metadata.managedFields = managed;
      // Patch the s.history event too so s.watchers that resume see the same managedFields.
      const last = s.history[s.history.length - 1];
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
        managerChange(s, t, v.name, writeOpts, 'Apply'),
        opts.force === true,
        { group: t.group, resource: t.plural, name },
      ) as KubeObject;
    } else {
      merged = applyConfig(
        live,
        config,
        managerChange(s, t, v.name, writeOpts, 'Apply'),
        opts.force === true,
        { group: t.group, resource: t.plural, name },
      ) as KubeObject;
    }
    if (live.metadata.resourceVersion !== undefined)
      merged.metadata.resourceVersion = live.metadata.resourceVersion;
    return update(s, gvr, merged, writeOpts, { ownershipDone: true });
  }

  const existing = mustGet(s, t, ns, name);
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
      update(s, gvr, { ...result, metadata: { ...result.metadata } }, writeOpts),
      v.scale!,
    );
  }
  return update(s, gvr, result, writeOpts);
}
