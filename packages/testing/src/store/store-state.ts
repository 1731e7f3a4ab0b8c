/**
 * The state behind one fake object store, shared by its modules (watch cache, admission, writes,
 * deletion, reads): the tables in storage version, the resourceVersion counter and the watch
 * history. Only `createObjectStore` builds one.
 */
import { randomBytes } from 'node:crypto';
import { formatKubeTime } from '../clock.js';
import type { Clock } from '../clock.js';
import type { NameRule } from '../resources/metadata-validation.js';
import type { ResolvedResource, ResourceRegistry } from '../resources/registry.js';
import type { ResourceType } from '../resources/types.js';
import type { Matcher } from './selectors.js';
import { deepClone } from './patch.js';
import { notFound } from './status-error.js';
import type { GroupVersionResource, KubeObject, StoreEvent, StoreEventType } from './types.js';

export interface HistoryEvent {
  rv: number;
  type: StoreEventType;
  typeKey: string;
  namespace: string | undefined;
  object: KubeObject;
  previous: KubeObject | undefined;
}

export interface Watcher {
  typeKey: string;
  type: ResourceType;
  version: string;
  namespace: string | undefined;
  labels: Matcher;
  fields: Matcher;
  lastRv: number;
  onEvent: (event: StoreEvent) => void;
}

export interface StoreState {
  readonly clock: Clock;
  readonly registry: ResourceRegistry;
  readonly tables: Map<string, Map<string, KubeObject>>;
  readonly byUid: Map<string, { type: ResourceType; key: string }>;
  readonly nsType: ResourceType;
  readonly historySize: number;
  readonly history: HistoryEvent[];
  readonly watchers: Set<Watcher>;
  /** Events committed but not yet dispatched (a watcher's callback may write again). */
  readonly pending: HistoryEvent[];
  compactedThrough: number;
  rv: number;
  dispatching: boolean;
  /** A garbage-collector pass is queued (`scheduleGc`). */
  gcScheduled: boolean;
  readonly gcWaiters: (() => void)[];
}

/** How unknown fields are treated (the `fieldValidation` query parameter). */
export type FieldValidation = 'Ignore' | 'Warn' | 'Strict';

/** Extra write options the HTTP layer uses; in-process callers may use them too. */
export interface ServerWriteOptions {
  fieldValidation?: FieldValidation;
  /** Receives `Warning` texts (unknown fields under Warn, …). */
  warnings?: string[];
}

const GENERATE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export const typeKeyOf = (t: ResourceType): string => `${t.group}/${t.plural}`;
export const objectKey = (namespace: string | undefined, name: string): string =>
  `${namespace ?? ''}/${name}`;

export function randomSuffix(): string {
  const bytes = randomBytes(5);
  return [...bytes].map((b) => GENERATE_ALPHABET[b % GENERATE_ALPHABET.length]).join('');
}

export function nameRule(type: ResourceType): NameRule {
  if (type.builtin && type.group === '' && type.kind === 'Namespace') return 'label';
  if (type.builtin && type.group === '' && type.kind === 'Service') return 'dns1035';
  return 'subdomain';
}

/** Everything but metadata and status: what bumps `metadata.generation` when it changes. */
export function specOf(object: KubeObject): Record<string, unknown> {
  const rest: Record<string, unknown> = { ...object };
  for (const key of ['metadata', 'status', 'apiVersion', 'kind']) delete rest[key];
  return rest;
}

export function withoutVolatile(object: KubeObject): KubeObject {
  const copy = { ...object, metadata: { ...object.metadata } };
  delete copy.metadata.resourceVersion;
  delete copy.metadata.managedFields;
  return copy;
}

export const table = (s: StoreState, type: ResourceType): Map<string, KubeObject> =>
  s.tables.get(typeKeyOf(type))!;
export const now = (s: StoreState): string => formatKubeTime(s.clock.now());

export function resolve(s: StoreState, gvr: GroupVersionResource): ResolvedResource {
  return s.registry.resolve(gvr);
}

export function toVersion(type: ResourceType, object: KubeObject, version: string): KubeObject {
  const converted = type.convert(object, version);
  return converted === object ? deepClone(object) : converted;
}

export function schemaOf(type: ResourceType, version: string) {
  return type.versions.find((v) => v.name === version)?.schema;
}

export function lookup(
  s: StoreState,
  t: ResourceType,
  namespace: string | undefined,
  name: string,
): KubeObject | undefined {
  return table(s, t).get(objectKey(t.namespaced ? namespace : undefined, name));
}

export function mustGet(
  s: StoreState,
  t: ResourceType,
  namespace: string | undefined,
  name: string,
): KubeObject {
  const found = lookup(s, t, namespace, name);
  if (found === undefined) throw notFound(t.group, t.plural, name);
  return found;
}
