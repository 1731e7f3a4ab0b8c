/**
 * Deletion and garbage collection (the generic registry's `Delete`, the garbage collector and
 * the namespace controller).
 */
import type { ResourceType } from '../resources/types.js';
import { deepClone, deepEqual, isPlainObject } from './patch.js';
import { conflict, invalid } from './status-error.js';
import type { DeleteOptions, GroupVersionResource, KubeObject } from './types.js';
import { resolve, toVersion, lookup, mustGet, now, table } from './store-state.js';
import { commitPut, commitRemove } from './watch-cache.js';
import type { StoreState } from './store-state.js';
import { typeKeyOf } from './store-state.js';

export function markDeleting(
  s: StoreState,
  t: ResourceType,
  current: KubeObject,
  addFinalizer?: string,
): KubeObject {
  const next = deepClone(current);
  next.metadata.deletionTimestamp ??= now(s);
  next.metadata.deletionGracePeriodSeconds ??= 0;
  if (addFinalizer !== undefined && !(next.metadata.finalizers ?? []).includes(addFinalizer)) {
    next.metadata.finalizers = [...(next.metadata.finalizers ?? []), addFinalizer];
  }
  if (t.builtin && t.kind === 'Namespace')
    next.status = { ...(isPlainObject(next.status) ? next.status : {}), phase: 'Terminating' };
  if (deepEqual(next, current)) return current;
  return commitPut(s, t, next, current);
}

export function orphanDependents(s: StoreState, uid: string): void {
  for (const [typeKey, objects] of s.tables) {
    const t = s.registry.all().find((x) => typeKeyOf(x) === typeKey)!;
    for (const obj of [...objects.values()]) {
      const refs = obj.metadata.ownerReferences ?? [];
      if (!refs.some((r) => r.uid === uid)) continue;
      const next = deepClone(obj);
      const remaining = refs.filter((r) => r.uid !== uid);
      if (remaining.length > 0) next.metadata.ownerReferences = remaining;
      else delete next.metadata.ownerReferences;
      commitPut(s, t, next, obj);
    }
  }
}

/** Deletes without GC; returns the final object (deleted, or marked for deletion). */
export function deleteOne(
  s: StoreState,
  t: ResourceType,
  current: KubeObject,
  policy: string | undefined,
): KubeObject {
  if (policy === 'Orphan') orphanDependents(s, current.metadata.uid!);
  if (t.builtin && t.kind === 'Namespace') return markDeleting(s, t, current, undefined);
  if (policy === 'Foreground') return markDeleting(s, t, current, 'foregroundDeletion');
  if ((current.metadata.finalizers ?? []).length > 0) return markDeleting(s, t, current);
  return commitRemove(s, t, current);
}

export function exists(s: StoreState, uid: string): KubeObject | undefined {
  const loc = s.byUid.get(uid);
  return loc === undefined ? undefined : s.tables.get(typeKeyOf(loc.type))?.get(loc.key);
}

/** What the garbage collector and namespace controller do, run to a fixed point. */
export function gcSweep(s: StoreState): void {
  for (let round = 0; round < 1000; round++) {
    let changed = false;
    for (const t of s.registry.all()) {
      for (const obj of [...table(s, t).values()]) {
        const refs = obj.metadata.ownerReferences ?? [];
        if (refs.length > 0 && obj.metadata.deletionTimestamp === undefined) {
          const owners = refs.map((r) => exists(s, r.uid));
          const gone = owners.every(
            (o) =>
              o === undefined ||
              (o.metadata.deletionTimestamp !== undefined &&
                (o.metadata.finalizers ?? []).includes('foregroundDeletion')),
          );
          if (gone) {
            deleteOne(s, t, obj, 'Background');
            changed = true;
            continue;
          }
        }
        if (
          obj.metadata.deletionTimestamp !== undefined &&
          (obj.metadata.finalizers ?? []).includes('foregroundDeletion')
        ) {
          const uid = obj.metadata.uid!;
          const blocked = [...s.tables.values()].some((objs) =>
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
              commitRemove(s, t, next);
            } else commitPut(s, t, next, obj);
            changed = true;
          }
        }
      }
    }
    for (const ns of [...table(s, s.nsType).values()]) {
      if (ns.metadata.deletionTimestamp === undefined) continue;
      const name = ns.metadata.name!;
      let remaining = 0;
      for (const t of s.registry.all()) {
        if (!t.namespaced) continue;
        for (const obj of [...table(s, t).values()]) {
          if (obj.metadata.namespace !== name) continue;
          remaining++;
          if (obj.metadata.deletionTimestamp === undefined) {
            deleteOne(s, t, obj, 'Background');
            changed = true;
          }
        }
      }
      if (remaining === 0) {
        commitRemove(s, s.nsType, ns);
        changed = true;
      }
    }
    if (!changed) return;
  }
}

export function del(
  s: StoreState,
  gvr: GroupVersionResource,
  namespace: string | undefined,
  name: string,
  opts: DeleteOptions = {},
): KubeObject {
  const { type: t, version: v } = resolve(s, gvr);
  const current = mustGet(s, t, t.namespaced ? (namespace ?? 'default') : undefined, name);
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
  const result = deleteOne(s, t, current, opts.propagationPolicy);
  gcSweep(s);
  const still = lookup(s, t, current.metadata.namespace, name);
  return toVersion(t, still ?? result, v.name);
}
