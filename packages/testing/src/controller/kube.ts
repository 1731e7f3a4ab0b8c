/**
 * Small helpers shared by the simulated controller and kubelet: core resource coordinates,
 * StatusError classification, owner references, conditions and JSON merge-patch diffs.
 */
import type { Condition } from '@corral/agent-sandbox';
import { formatKubeTime } from '../clock.js';
import type { GroupVersionResource, KubeObject, OwnerReference } from '../store/types.js';

export const PODS: GroupVersionResource = { group: '', version: 'v1', resource: 'pods' };
export const SERVICES: GroupVersionResource = { group: '', version: 'v1', resource: 'services' };
export const EVENTS: GroupVersionResource = { group: '', version: 'v1', resource: 'events' };
export const PVCS: GroupVersionResource = {
  group: '',
  version: 'v1',
  resource: 'persistentvolumeclaims',
};
export const NETWORK_POLICIES: GroupVersionResource = {
  group: 'networking.k8s.io',
  version: 'v1',
  resource: 'networkpolicies',
};
export const CRDS: GroupVersionResource = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  resource: 'customresourcedefinitions',
};

export type Obj = Record<string, unknown>;

function errorField(err: unknown, field: 'code' | 'reason'): unknown {
  return typeof err === 'object' && err !== null
    ? (err as Record<string, unknown>)[field]
    : undefined;
}

export function statusCode(err: unknown): number | undefined {
  const code = errorField(err, 'code');
  return typeof code === 'number' ? code : undefined;
}

export const isNotFound = (err: unknown): boolean => statusCode(err) === 404;
export const isConflict = (err: unknown): boolean =>
  statusCode(err) === 409 && errorField(err, 'reason') !== 'AlreadyExists';
export const isAlreadyExists = (err: unknown): boolean =>
  statusCode(err) === 409 && errorField(err, 'reason') === 'AlreadyExists';

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A string field of untyped JSON, or `''`. */
export function str(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';
}

export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

export function clone<T>(value: T): T {
  return structuredClone(value);
}

export function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  if (isObj(a) && isObj(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

/** Treats `{}`, `[]`, `''` and `undefined` alike, as Go's `omitempty` does on the wire. */
function isEmpty(value: unknown): boolean {
  return (
    value === undefined ||
    value === null ||
    value === '' ||
    (Array.isArray(value) && value.length === 0) ||
    (isObj(value) && Object.values(value).every(isEmpty))
  );
}

/**
 * RFC 7386 merge patch that turns `from` into `to` (what controller-runtime's `MergeFrom`
 * computes); `undefined` when nothing changed. Arrays are replaced whole.
 */
export function mergePatchDiff(from: unknown, to: unknown): unknown {
  if (!isObj(from) || !isObj(to)) return deepEqual(from, to) ? undefined : isEmpty(to) ? null : to;
  const patch: Obj = {};
  for (const key of new Set([...Object.keys(from), ...Object.keys(to)])) {
    const a = from[key];
    const b = to[key];
    if (isEmpty(b)) {
      if (!isEmpty(a)) patch[key] = null;
      continue;
    }
    if (isEmpty(a)) {
      patch[key] = b;
      continue;
    }
    const sub = mergePatchDiff(a, b);
    if (sub !== undefined) patch[key] = sub;
  }
  return Object.keys(patch).length === 0 ? undefined : patch;
}

// ---- metadata ----

export function labelsOf(obj: KubeObject): Record<string, string> {
  return obj.metadata.labels ?? {};
}

export function annotationsOf(obj: KubeObject): Record<string, string> {
  return obj.metadata.annotations ?? {};
}

export function controllerOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((ref) => ref.controller === true);
}

export function isControlledBy(obj: KubeObject | undefined, owner: KubeObject): boolean {
  return obj !== undefined && controllerOf(obj)?.uid === owner.metadata.uid;
}

/** `ctrl.SetControllerReference`: controller + blockOwnerDeletion, as upstream writes it. */
export function controllerRef(owner: KubeObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name ?? '',
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

export function nameOf(obj: KubeObject): string {
  return obj.metadata.name ?? '';
}

export function namespaceOf(obj: KubeObject): string {
  return obj.metadata.namespace ?? '';
}

export function isDeleting(obj: KubeObject): boolean {
  return obj.metadata.deletionTimestamp !== undefined;
}

export function parseTime(value: unknown): number | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

// ---- conditions (apimachinery meta.SetStatusCondition semantics) ----

export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/**
 * Sets `condition` in `conditions`: lastTransitionTime changes only when the status changes
 * (taking the new condition's own time when it carries one, else now).
 */
export function setCondition(conditions: Condition[], condition: Condition, nowMs: number): void {
  const existing = conditions.find((c) => c.type === condition.type);
  if (existing === undefined) {
    conditions.push({
      ...condition,
      lastTransitionTime: condition.lastTransitionTime ?? formatKubeTime(nowMs),
    });
    return;
  }
  if (existing.status !== condition.status) {
    existing.status = condition.status;
    existing.lastTransitionTime = condition.lastTransitionTime ?? formatKubeTime(nowMs);
  }
  if (condition.reason !== undefined) existing.reason = condition.reason;
  existing.message = condition.message ?? '';
  if (condition.observedGeneration !== undefined) {
    existing.observedGeneration = condition.observedGeneration;
  }
}

export function removeCondition(conditions: Condition[], type: string): void {
  const index = conditions.findIndex((c) => c.type === type);
  if (index >= 0) conditions.splice(index, 1);
}

export function conditionsOf(status: Obj): Condition[] {
  if (!Array.isArray(status.conditions)) status.conditions = [];
  return status.conditions as Condition[];
}
