/**
 * The watch cache (the API server's `cacher` and its event history): every committed write
 * bumps the one resourceVersion counter and is delivered to matching watchers, in their version.
 */
import { compact } from '@corral/sdk';
import type { ResourceType } from '../resources/types.js';
import { deepClone } from './patch.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import { badRequest, expired } from './status-error.js';
import type {
  GroupVersionResource,
  KubeObject,
  StoreEvent,
  StoreEventType,
  WatchOptions,
} from './types.js';
import { resolve, toVersion, table } from './store-state.js';
import { list } from './reads.js';
import type { StoreState, HistoryEvent, Watcher } from './store-state.js';
import { typeKeyOf, objectKey } from './store-state.js';

export function deliver(w: Watcher, ev: HistoryEvent): void {
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

export function emit(
  s: StoreState,
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
  s.history.push(ev);
  while (s.history.length > s.historySize) s.compactedThrough = s.history.shift()!.rv;
  s.pending.push(ev);
  if (s.dispatching) return;
  s.dispatching = true;
  try {
    while (s.pending.length > 0) {
      const next = s.pending.shift()!;
      for (const w of [...s.watchers]) if (s.watchers.has(w)) deliver(w, next);
    }
  } finally {
    s.dispatching = false;
  }
}

export function commitPut(
  s: StoreState,
  t: ResourceType,
  object: KubeObject,
  previous: KubeObject | undefined,
): KubeObject {
  s.rv += 1;
  object.metadata.resourceVersion = String(s.rv);
  const key = objectKey(object.metadata.namespace, object.metadata.name!);
  table(s, t).set(key, object);
  s.byUid.set(object.metadata.uid!, { type: t, key });
  emit(s, previous === undefined ? 'ADDED' : 'MODIFIED', t, object, previous);
  return object;
}

export function commitRemove(s: StoreState, t: ResourceType, object: KubeObject): KubeObject {
  s.rv += 1;
  const removed = deepClone(object);
  removed.metadata.resourceVersion = String(s.rv);
  table(s, t).delete(objectKey(object.metadata.namespace, object.metadata.name!));
  s.byUid.delete(object.metadata.uid!);
  emit(s, 'DELETED', t, removed);
  return removed;
}

export function watch(
  s: StoreState,
  gvr: GroupVersionResource,
  opts: WatchOptions,
  onEvent: (event: StoreEvent) => void,
): () => void {
  const { type: t, version: v } = resolve(s, gvr);
  const w: Watcher = {
    typeKey: typeKeyOf(t),
    type: t,
    version: v.name,
    namespace: t.namespaced && opts.namespace !== '' ? opts.namespace : undefined,
    labels: parseLabelSelector(opts.labelSelector),
    fields: parseFieldSelector(opts.fieldSelector, t.fieldSelectors),
    lastRv: s.rv,
    onEvent,
  };
  const from = opts.resourceVersion;
  if (from === undefined || from === '' || from === '0') {
    const snapshot = list(
      s,
      gvr,
      compact({
        namespace: w.namespace,
      }),
    );
    s.watchers.add(w);
    for (const object of snapshot.items) {
      if (!s.watchers.has(w)) break;
      if (w.labels(object) && w.fields(object)) onEvent({ type: 'ADDED', object });
    }
  } else {
    const n = Number(from);
    if (!Number.isInteger(n) || n < 0) {
      throw badRequest(`invalid resource version: "${from}"`);
    }
    if (n < s.compactedThrough) {
      throw expired(`too old resource version: ${n} (${s.compactedThrough + 1})`);
    }
    w.lastRv = n;
    s.watchers.add(w);
    for (const ev of s.history) {
      if (!s.watchers.has(w)) break;
      if (ev.rv > n && !s.pending.includes(ev)) deliver(w, ev);
    }
    // Events still queued for dispatch are delivered by the running dispatch loop.
    if (s.pending.length === 0) w.lastRv = Math.max(w.lastRv, s.rv);
  }
  return () => {
    s.watchers.delete(w);
  };
}
