/**
 * Field ownership for server-side apply. Fields are tracked as leaf paths (objects are walked,
 * lists and scalars are leaves), rendered as `FieldsV1` (`{"f:spec":{"f:replicas":{}}}`).
 * Lists are owned atomically; the apiserver's per-key ownership of `x-kubernetes-list-type: map`
 * lists is not modelled.
 */
import { deepEqual, isPlainObject } from './patch.js';
import { StatusError } from './status-error.js';

export type FieldPath = readonly string[];

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

const IGNORED_META = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
  'generateName',
]);

/** Leaf paths of an object, skipping apiVersion/kind and server-owned metadata. */
export function leafPaths(object: unknown): string[][] {
  const out: string[][] = [];
  const walk = (value: unknown, path: string[]): void => {
    if (isPlainObject(value) && Object.keys(value).length > 0) {
      for (const [k, v] of Object.entries(value)) {
        if (path.length === 0 && (k === 'apiVersion' || k === 'kind')) continue;
        if (path.length === 1 && path[0] === 'metadata' && IGNORED_META.has(k)) continue;
        walk(v, [...path, k]);
      }
    } else if (path.length > 0) {
      out.push(path);
    }
  };
  walk(object, []);
  return out;
}

export function valueAt(object: unknown, path: FieldPath): unknown {
  let current = object;
  for (const part of path) {
    if (!isPlainObject(current)) return undefined;
    current = current[part];
  }
  return current;
}

export function deleteAt(object: unknown, path: FieldPath): void {
  let current = object;
  for (const part of path.slice(0, -1)) {
    if (!isPlainObject(current)) return;
    current = current[part];
  }
  if (isPlainObject(current)) delete current[path[path.length - 1]!];
}

export const pathKey = (path: FieldPath): string => JSON.stringify(path);

export function pathsToFields(paths: Iterable<FieldPath>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const path of paths) {
    let node = root;
    for (const part of path) {
      const key = `f:${part}`;
      if (!isPlainObject(node[key])) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
  }
  return root;
}

export function fieldsToPaths(fields: unknown): string[][] {
  const out: string[][] = [];
  const walk = (node: unknown, path: string[]): void => {
    if (!isPlainObject(node)) return;
    const keys = Object.keys(node).filter((k) => k.startsWith('f:'));
    if (keys.length === 0 && path.length > 0) out.push(path);
    for (const k of keys) walk(node[k], [...path, k.slice(2)]);
  };
  walk(fields, []);
  return out;
}

function entriesOf(meta: Record<string, unknown>): ManagedFieldsEntry[] {
  return Array.isArray(meta.managedFields) ? (meta.managedFields as ManagedFieldsEntry[]) : [];
}

function entryKey(e: {
  manager: string;
  operation: string;
  subresource?: string | undefined;
}): string {
  return `${e.manager}\0${e.operation}\0${e.subresource ?? ''}`;
}

export interface OwnershipChange {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  subresource?: string | undefined;
}

/**
 * Records an Update-operation write: `manager` takes the leaves that changed; every manager
 * loses paths that no longer exist.
 */
export function recordUpdate(
  oldObject: unknown,
  newObject: { metadata: Record<string, unknown> },
  change: OwnershipChange,
): void {
  const changed = leafPaths(newObject).filter(
    (p) => !deepEqual(valueAt(oldObject, p), valueAt(newObject, p)),
  );
  setOwnership(newObject, change, changed, 'add');
}

/** Rewrites managedFields: `paths` go to `change.manager` (added to, or replacing, its set). */
export function setOwnership(
  object: { metadata: Record<string, unknown> },
  change: OwnershipChange,
  paths: readonly FieldPath[],
  mode: 'add' | 'replace',
  takeFromOthers: readonly FieldPath[] = paths,
): void {
  const taken = new Set(takeFromOthers.map(pathKey));
  const mine = entryKey(change);
  const live = new Set(leafPaths(object).map(pathKey));
  const result: ManagedFieldsEntry[] = [];
  let found = false;
  for (const entry of entriesOf(object.metadata)) {
    let set = fieldsToPaths(entry.fieldsV1);
    if (entryKey(entry) === mine) {
      found = true;
      const merged = mode === 'add' ? [...set, ...paths] : [...paths];
      const seen = new Set<string>();
      set = merged.filter((p) => {
        const k = pathKey(p);
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      }) as string[][];
      const next: ManagedFieldsEntry = {
        ...entry,
        apiVersion: change.apiVersion,
        time: change.time,
        fieldsV1: pathsToFields(set.filter((p) => live.has(pathKey(p)))),
      };
      result.push(next);
      continue;
    }
    // Update operations take fields silently; Apply conflicts were resolved before we got here.
    set = set.filter((p) => !taken.has(pathKey(p)) && live.has(pathKey(p)));
    if (set.length > 0) result.push({ ...entry, fieldsV1: pathsToFields(set) });
  }
  if (!found && paths.length > 0) {
    const entry: ManagedFieldsEntry = {
      manager: change.manager,
      operation: change.operation,
      apiVersion: change.apiVersion,
      time: change.time,
      fieldsType: 'FieldsV1',
      fieldsV1: pathsToFields(paths.filter((p) => live.has(pathKey(p)))),
    };
    if (change.subresource !== undefined) entry.subresource = change.subresource;
    result.push(entry);
  }
  if (result.length > 0) object.metadata.managedFields = result;
  else delete object.metadata.managedFields;
}

/** Deep-merges an applied configuration into the live object; lists and scalars replace. */
export function mergeApplied(live: unknown, config: unknown): unknown {
  if (!isPlainObject(config) || !isPlainObject(live)) return structuredClone(config);
  const out: Record<string, unknown> = { ...live };
  for (const [k, v] of Object.entries(config)) {
    out[k] = v === null ? v : mergeApplied(out[k], v);
    if (v === null) delete out[k];
  }
  return out;
}

/**
 * Server-side apply on an existing object. Returns the merged object with managedFields updated,
 * or throws 409 Conflict naming each field another manager owns with a different value.
 */
export function applyConfig(
  live: { metadata: Record<string, unknown> },
  config: { metadata: Record<string, unknown> },
  change: OwnershipChange,
  force: boolean,
  conflictTarget: { group: string; resource: string; name: string },
): { metadata: Record<string, unknown> } {
  const configPaths = leafPaths(config);
  const mine = entryKey({ ...change, operation: 'Apply' });
  const entries = entriesOf(live.metadata);
  const previouslyMine = new Set(
    entries
      .filter((e) => entryKey(e) === mine)
      .flatMap((e) => fieldsToPaths(e.fieldsV1).map(pathKey)),
  );
  const conflicts: { manager: string; apiVersion: string; path: FieldPath }[] = [];
  for (const entry of entries) {
    if (entryKey(entry) === mine) continue;
    if ((entry.subresource ?? '') !== (change.subresource ?? '')) continue;
    const owned = new Set(fieldsToPaths(entry.fieldsV1).map(pathKey));
    for (const p of configPaths) {
      if (owned.has(pathKey(p)) && !deepEqual(valueAt(live, p), valueAt(config, p))) {
        conflicts.push({ manager: entry.manager, apiVersion: entry.apiVersion, path: p });
      }
    }
  }
  if (conflicts.length > 0 && !force) {
    const render = (p: FieldPath): string => `.${p.join('.')}`;
    const lines = conflicts.map(
      (c) =>
        `conflict with "${c.manager}"${c.manager && entries.find((e) => e.manager === c.manager)?.operation === 'Update' ? ' using ' + c.apiVersion : ''}: ${render(c.path)}`,
    );
    const message =
      conflicts.length === 1
        ? `Apply failed with 1 conflict: ${lines[0]}`
        : `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
    throw new StatusError(409, 'Conflict', message, {
      name: conflictTarget.name,
      ...(conflictTarget.group ? { group: conflictTarget.group } : {}),
      kind: conflictTarget.resource,
      causes: conflicts.map((c) => ({
        reason: 'FieldManagerConflict',
        message: `conflict with "${c.manager}"`,
        field: render(c.path),
      })),
    });
  }
  const merged = mergeApplied(live, config) as { metadata: Record<string, unknown> };
  merged.metadata.managedFields = live.metadata.managedFields;
  // Fields this manager applied before but no longer applies are removed, unless someone else owns them.
  const nowMine = new Set(configPaths.map(pathKey));
  const ownedByOthers = new Set(
    entries
      .filter((e) => entryKey(e) !== mine)
      .flatMap((e) => fieldsToPaths(e.fieldsV1).map(pathKey)),
  );
  if (force) for (const c of conflicts) ownedByOthers.delete(pathKey(c.path));
  for (const key of previouslyMine) {
    if (!nowMine.has(key) && !ownedByOthers.has(key)) deleteAt(merged, JSON.parse(key) as string[]);
  }
  setOwnership(
    merged,
    { ...change, operation: 'Apply' },
    configPaths,
    'replace',
    force ? conflicts.map((c) => c.path) : [],
  );
  return merged;
}
