import type { KubeObject } from '../client/types.js';
import { AgentSandboxError } from '../errors/base.js';
import { fromApiException, fromStatus } from '../errors/from-api-exception.js';
import type { KubernetesStatus } from '../errors/kubernetes-errors.js';
import type { SandboxKind } from '../resources.js';
import { backoffDelayMs, type BackoffPolicy } from './backoff.js';
import { realClock, type Clock } from './clock.js';
import { WatchConnection, endingFor, endingOf, type Ending } from './watch-connection.js';
import type { ObjectEvent, ResourceWatchSource, SourceWatchOptions, WatchEvent } from './types.js';

/** Anything that can hand out a list-watch source for a kind and namespace (the client does). */
export interface WatchSourceProvider {
  watchSource(kind: SandboxKind, namespace?: string): ResourceWatchSource;
}

export interface WatchResourceOptions {
  /** Defaults to the provider's namespace. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /**
   * Start watching from here without listing first (e.g. the resourceVersion a create
   * returned). Unset: list first, report every object as ADDED, then `SYNCED`, then changes.
   */
  resourceVersion?: string;
  /** Ends the iteration (without an error). */
  signal?: AbortSignal;
  clock?: Clock;
  /** Reconnect delays. Default 250 ms doubling to 30 s, 20 % jitter; reset after any event. */
  backoff?: BackoffPolicy;
  /** Asks the server to end each watch after this long (clean close, then resume). Default 300. */
  timeoutSeconds?: number;
  /**
   * Reconnect when nothing (not even a bookmark) arrived for this long; a half-dead TCP
   * connection can otherwise stay silent forever. Default `timeoutSeconds * 1000 + 30_000`.
   */
  watchdogMs?: number;
  /** Page size of the (re)list. Default 500. */
  listPageSize?: number;
}

/**
 * List-then-watch as an async iterator that does not give up: it resumes from the last
 * resourceVersion after a clean close or a network error, relists on 410 Gone (HTTP or in-stream
 * `ERROR`) and reports what changed while it was away as synthetic events, backs off
 * exponentially (capped, jittered) between failed attempts, and ends when `signal` aborts or
 * the consumer stops iterating. Non-retryable failures (401, 403, 404, ...) end the iteration
 * by throwing the typed error.
 */
export async function* watchResource<T extends KubeObject = KubeObject>(
  provider: WatchSourceProvider,
  kind: SandboxKind,
  options: WatchResourceOptions = {},
): AsyncGenerator<WatchEvent<T>, void, undefined> {
  const source = provider.watchSource(kind, options.namespace) as ResourceWatchSource<T>;
  const clock = options.clock ?? realClock;
  const signal = options.signal;
  const timeoutSeconds = options.timeoutSeconds ?? 300;
  const watchdogMs = options.watchdogMs ?? timeoutSeconds * 1000 + 30_000;
  const known = new Map<string, T>();
  let resourceVersion = options.resourceVersion;
  let listed = false;
  let needList = resourceVersion === undefined;
  let failures = 0;

  while (!isAborted(signal)) {
    if (needList) {
      const listing = await listOrRetry(source, options);
      if (listing === 'aborted') return;
      if (listing === 'retry') {
        if (!(await backOff(failures++, options, clock))) return;
        continue;
      }
      resourceVersion = listing.resourceVersion;
      for (const event of diff(known, listing.items)) yield event;
      yield { type: 'SYNCED', resourceVersion: resourceVersion ?? '', relist: listed };
      listed = true;
      needList = false;
      failures = 0;
      // The consumer may have aborted while we were suspended at a yield.
      if (isAborted(signal)) return;
    }

    const connection = new WatchConnection(signal, clock);
    let received = 0;
    let ending: Ending = { outcome: 'resume' };
    try {
      await connection.open(
        source,
        watchRequest(options, resourceVersion, timeoutSeconds),
        watchdogMs,
      );
      for (;;) {
        const item = await connection.next();
        if (item.kind !== 'event') {
          ending = endingOf(item, received);
          break;
        }
        connection.lastEventAt = clock.now();
        received++;
        const { type, object } = item;
        if (type === 'ERROR') {
          const status = object as KubernetesStatus;
          ending = endingFor(fromStatus(status.code ?? 500, status));
          break;
        }
        const obj = object as T;
        const rv = obj.metadata?.resourceVersion;
        if (rv !== undefined && rv !== '') resourceVersion = rv;
        failures = 0;
        const event = applyEvent(known, type, obj);
        if (event !== undefined) yield event;
      }
    } catch (e) {
      if (isAborted(signal)) return;
      const typed = fromApiException(e);
      if (!typed.retryable) throw typed;
      ending = { outcome: typed.code === 'GONE' ? 'relist' : 'backoff' };
    } finally {
      connection.close();
    }

    const { outcome, fatal } = ending;
    if (outcome === 'stop') {
      if (fatal !== undefined && !isAborted(signal)) throw fatal;
      return;
    }
    if (outcome === 'relist') {
      // The server no longer has our resourceVersion: list again and report the difference.
      resourceVersion = undefined;
      needList = true;
      continue;
    }
    if (outcome === 'backoff' && !(await backOff(failures++, options, clock))) return;
  }
}

function watchRequest(
  options: WatchResourceOptions,
  resourceVersion: string | undefined,
  timeoutSeconds: number,
): SourceWatchOptions {
  return {
    resourceVersion,
    labelSelector: options.labelSelector,
    fieldSelector: options.fieldSelector,
    allowWatchBookmarks: true,
    timeoutSeconds,
  };
}

/**
 * Applies one watched object change to `known`; returns the event to report, or undefined for
 * bookmarks and types this iterator does not report.
 */
function applyEvent<T extends KubeObject>(
  known: Map<string, T>,
  type: string,
  obj: T,
): ObjectEvent<T> | undefined {
  if (type === 'BOOKMARK') return undefined;
  if (type !== 'ADDED' && type !== 'MODIFIED' && type !== 'DELETED') return undefined;
  const name = obj.metadata?.name ?? '';
  if (type === 'DELETED') known.delete(name);
  else known.set(name, obj);
  return { type, object: obj, synthetic: false };
}

/** Sleeps before the next attempt after `failures` failed ones; false when aborted. */
async function backOff(
  failures: number,
  options: WatchResourceOptions,
  clock: Clock,
): Promise<boolean> {
  const delay = backoffDelayMs(failures, options.backoff);
  try {
    await clock.sleep(delay, options.signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Lists everything, or says what to do instead: 'aborted' when the caller aborted meanwhile,
 * 'retry' (after backoff) for a failure that may pass; throws the typed error of the rest.
 */
async function listOrRetry<T extends KubeObject>(
  source: ResourceWatchSource<T>,
  options: WatchResourceOptions,
): Promise<{ items: T[]; resourceVersion: string } | 'aborted' | 'retry'> {
  try {
    return await listAll(source, options);
  } catch (e) {
    const error = fromApiException(e);
    if (isAborted(options.signal)) return 'aborted';
    if (!error.retryable) throw error;
    return 'retry';
  }
}

async function listAll<T extends KubeObject>(
  source: ResourceWatchSource<T>,
  options: WatchResourceOptions,
): Promise<{ items: T[]; resourceVersion: string }> {
  const items: T[] = [];
  let token: string | undefined;
  let resourceVersion = '';
  for (;;) {
    let page;
    try {
      page = await source.list({
        labelSelector: options.labelSelector,
        fieldSelector: options.fieldSelector,
        limit: options.listPageSize ?? 500,
        continue: token,
        signal: options.signal,
      });
    } catch (e) {
      // An expired continue token: start the list over.
      if (token !== undefined && e instanceof AgentSandboxError && e.code === 'GONE') {
        items.length = 0;
        token = undefined;
        continue;
      }
      throw e;
    }
    items.push(...page.items);
    // The first page's resourceVersion is the snapshot every page belongs to.
    if (token === undefined) resourceVersion = page.resourceVersion;
    token = page.continue;
    if (token === undefined || token === '') return { items, resourceVersion };
  }
}

/** Events that turn `known` into `items`, applied to `known` as they are produced. */
function diff<T extends KubeObject>(known: Map<string, T>, items: readonly T[]): ObjectEvent<T>[] {
  const events: ObjectEvent<T>[] = [];
  const seen = new Set<string>();
  for (const item of items) {
    const name = item.metadata?.name ?? '';
    seen.add(name);
    const before = known.get(name);
    if (before === undefined) {
      events.push({ type: 'ADDED', object: item, synthetic: true });
    } else if (
      before.metadata?.resourceVersion !== item.metadata?.resourceVersion ||
      before.metadata?.uid !== item.metadata?.uid
    ) {
      if (before.metadata?.uid !== item.metadata?.uid) {
        // Deleted and re-created while we were away.
        events.push({ type: 'DELETED', object: before, synthetic: true });
        events.push({ type: 'ADDED', object: item, synthetic: true });
      } else {
        events.push({ type: 'MODIFIED', object: item, synthetic: true });
      }
    }
    known.set(name, item);
  }
  for (const [name, object] of known) {
    if (!seen.has(name)) {
      known.delete(name);
      events.push({ type: 'DELETED', object, synthetic: true });
    }
  }
  return events;
}

/** Reads `aborted` through a call so control-flow narrowing does not freeze it. */
function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}
