/**
 * Deletion and garbage collection (the generic registry's `Delete`, the garbage collector and
 * the namespace controller).
 */
import type { ResourceType } from '../resources/types.js';
import { deepClone, deepEqual, isPlainObject } from './patch.js';
import { conflict, invalid } from './status-error.js';
import type { DeleteOptions, GroupVersionResource, KubeObject } from './types.js';
import { formatKubeTime } from '../clock.js';
import { resolve, toVersion, lookup, mustGet, table } from './store-state.js';
import { commitPut, commitRemove } from './watch-cache.js';
import type { StoreState } from './store-state.js';
import { typeKeyOf } from './store-state.js';

/** Grace of a graceful delete: `deletionTimestamp` is that far in the future (pods only). */
export function markDeleting(
  s: StoreState,
  t: ResourceType,
  current: KubeObject,
  addFinalizer?: string,
  graceSeconds = 0,
): KubeObject {
  const next = deepClone(current);
  const pending = next.metadata.deletionGracePeriodSeconds;
  // a second DELETE may only shorten a pending grace period (rest.BeforeDelete)
  if (next.metadata.deletionTimestamp === undefined || (pending ?? 0) > graceSeconds) {
    next.metadata.deletionTimestamp = formatKubeTime(s.clock.now() + graceSeconds * 1000);
    next.metadata.deletionGracePeriodSeconds = graceSeconds;
  }
  if (addFinalizer !== undefined && !(next.metadata.finalizers ?? []).includes(addFinalizer)) {
    next.metadata.finalizers = [...(next.metadata.finalizers ?? []), addFinalizer];
  }
  if (t.builtin && t.kind === 'Namespace')
    next.status = { ...(isPlainObject(next.status) ? next.status : {}), phase: 'Terminating' };
  if (deepEqual(next, current)) return current;
  const stored = commitPut(s, t, next, current);
  scheduleGc(s);
  return stored;
}

export function orphanDependents(s: StoreState, uid: string): boolean {
  let changed = false;
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
      changed = true;
    }
  }
  return changed;
}

/**
 * The grace period of a pod DELETE (`pod.strategy.CheckGracefulDelete`): the request's, else the
 * pod's `terminationGracePeriodSeconds`; 0 for a pod no kubelet runs (unscheduled) or that is
 * already terminal, since nothing has to stop.
 */
function podGraceSeconds(pod: KubeObject, requested: number | undefined): number {
  const spec = isPlainObject(pod.spec) ? pod.spec : {};
  const status = isPlainObject(pod.status) ? pod.status : {};
  if (typeof spec.nodeName !== 'string' || spec.nodeName === '') return 0;
  if (status.phase === 'Succeeded' || status.phase === 'Failed') return 0;
  const own =
    typeof spec.terminationGracePeriodSeconds === 'number'
      ? spec.terminationGracePeriodSeconds
      : 30;
  return Math.max(0, requested ?? own);
}

/**
 * Deletes without GC (that runs after the call returns); returns the final object (deleted, or
 * marked for deletion).
 */
export function deleteOne(
  s: StoreState,
  t: ResourceType,
  current: KubeObject,
  policy: string | undefined,
  requestedGraceSeconds?: number,
): KubeObject {
  if (t.builtin && t.kind === 'Namespace') return markDeleting(s, t, current, undefined);
  const grace = t.builtin && t.kind === 'Pod' ? podGraceSeconds(current, requestedGraceSeconds) : 0;
  // the API server's deletion finalizers: the garbage collector does the propagation
  const finalizer = policy === 'Foreground' ? FOREGROUND : policy === 'Orphan' ? ORPHAN : undefined;
  if (finalizer !== undefined || grace > 0 || (current.metadata.finalizers ?? []).length > 0) {
    return markDeleting(s, t, current, finalizer, grace);
  }
  const removed = commitRemove(s, t, current);
  scheduleGc(s);
  return removed;
}

const FOREGROUND = 'foregroundDeletion';
const ORPHAN = 'orphan';

export function exists(s: StoreState, uid: string): KubeObject | undefined {
  const loc = s.byUid.get(uid);
  return loc === undefined ? undefined : s.tables.get(typeKeyOf(loc.type))?.get(loc.key);
}

/**
 * Removes a finalizer the garbage collector owns; the object goes once none is left and no grace
 * period runs (a terminating pod waits for its kubelet's final DELETE).
 */
function dropFinalizer(s: StoreState, t: ResourceType, obj: KubeObject, finalizer: string): void {
  const next = deepClone(obj);
  next.metadata.finalizers = (next.metadata.finalizers ?? []).filter((f) => f !== finalizer);
  if (next.metadata.finalizers.length === 0) {
    delete next.metadata.finalizers;
    if ((next.metadata.deletionGracePeriodSeconds ?? 0) === 0) {
      commitRemove(s, t, next);
      return;
    }
  }
  commitPut(s, t, next, obj);
}

/**
 * Queues a garbage-collector pass. Like the kube garbage collector (and the namespace
 * controller), it runs after the write that caused it has returned, one level of the owner
 * graph per pass, so clients see an owner gone (or Terminating) before its dependents.
 */
export function scheduleGc(s: StoreState): void {
  if (s.gcScheduled) return;
  s.gcScheduled = true;
  setImmediate(() => {
    s.gcScheduled = false;
    if (gcPass(s)) scheduleGc(s);
    if (s.gcScheduled) return;
    const waiters = s.gcWaiters.splice(0);
    for (const resolve of waiters) resolve();
  });
}

/** Resolves once the garbage collector has nothing queued (what it can do now is done). */
export function gcSettled(s: StoreState): Promise<void> {
  if (!s.gcScheduled) return Promise.resolve();
  return new Promise((resolve) => s.gcWaiters.push(resolve));
}

function hasDependents(s: StoreState, uid: string): boolean {
  return [...s.tables.values()].some((objs) =>
    [...objs.values()].some((d) => (d.metadata.ownerReferences ?? []).some((r) => r.uid === uid)),
  );
}

/** One pass of what the garbage collector and namespace controller do; true if it changed anything. */
export function gcPass(s: StoreState): boolean {
  let changed = false;
  const deleting: { t: ResourceType; obj: KubeObject }[] = [];
  for (const t of s.registry.all()) {
    for (const seen of [...table(s, t).values()]) {
      // earlier steps of this pass may have changed or removed it
      const obj = lookup(s, t, seen.metadata.namespace, seen.metadata.name!);
      if (obj === undefined || obj.metadata.uid !== seen.metadata.uid) continue;
      const refs = obj.metadata.ownerReferences ?? [];
      if (refs.length > 0 && obj.metadata.deletionTimestamp === undefined) {
        const owners = refs.map((r) => exists(s, r.uid));
        const waiting = owners.some(
          (o) =>
            o !== undefined &&
            o.metadata.deletionTimestamp !== undefined &&
            (o.metadata.finalizers ?? []).includes(FOREGROUND),
        );
        const gone = owners.every(
          (o) =>
            o === undefined ||
            (o.metadata.deletionTimestamp !== undefined &&
              (o.metadata.finalizers ?? []).includes(FOREGROUND)),
        );
        if (gone) {
          // attemptToDeleteItem: dependents of a foreground owner that have dependents of their
          // own are deleted in the foreground too, so the owner waits for the whole subtree
          const policy =
            waiting && hasDependents(s, obj.metadata.uid!) ? 'Foreground' : 'Background';
          deleting.push({ t, obj });
          deleteOne(s, t, obj, policy);
          changed = true;
          continue;
        }
      }
      if (obj.metadata.deletionTimestamp === undefined) continue;
      const finalizers = obj.metadata.finalizers ?? [];
      if (finalizers.includes(ORPHAN)) {
        orphanDependents(s, obj.metadata.uid!);
        const latest = lookup(s, t, obj.metadata.namespace, obj.metadata.name!);
        if (latest !== undefined) dropFinalizer(s, t, latest, ORPHAN);
        changed = true;
        continue;
      }
      if (finalizers.includes(FOREGROUND)) {
        const uid = obj.metadata.uid!;
        const blocked = [...s.tables.values()].some((objs) =>
          [...objs.values()].some((d) =>
            (d.metadata.ownerReferences ?? []).some(
              (r) => r.uid === uid && r.blockOwnerDeletion === true,
            ),
          ),
        );
        if (!blocked && !deleting.some((d) => d.obj.metadata.uid === uid)) {
          dropFinalizer(s, t, obj, FOREGROUND);
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
  return changed;
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
  if (opts.gracePeriodSeconds !== undefined && !(opts.gracePeriodSeconds >= 0)) {
    throw invalid(t.group, t.kind, name, [
      {
        type: 'FieldValueInvalid',
        field: 'gracePeriodSeconds',
        detail: `Invalid value: ${opts.gracePeriodSeconds}: must be >= 0`,
      },
    ]);
  }
  const result = deleteOne(s, t, current, opts.propagationPolicy, opts.gracePeriodSeconds);
  const still = lookup(s, t, current.metadata.namespace, name);
  return toVersion(t, still ?? result, v.name);
}
