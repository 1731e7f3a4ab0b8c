/**
 * Per-test fault injection: latency, error responses (5xx, 429 + Retry-After), connection
 * resets, and watch misbehaviour (clean close, dropped socket, forced 410). Each knob returns a
 * handle whose `remove()` takes it away; `clear()` removes them all.
 */

/** Which requests a fault applies to. Every given field must match. */
export interface RouteMatch {
  /** HTTP method, e.g. `'GET'`. */
  method?: string;
  /** Substring or regular expression matched against the URL path (no query). */
  path?: string | RegExp;
  /** Kubernetes verb: get, list, watch, create, update, patch, delete, deletecollection, discovery. */
  verb?: string;
  /** Plural resource name, e.g. `'sandboxclaims'`. */
  resource?: string;
}

export interface FaultHandle {
  /** How many requests this fault has acted on. */
  readonly hits: number;
  remove(): void;
}

export interface ErrorFaultOptions {
  /** HTTP status: 500, 503, 429, 409, … */
  status: number;
  /** How many matching requests fail; default 1. `Infinity` = until removed. */
  times?: number;
  /** Sends `Retry-After` (seconds) and `details.retryAfterSeconds`. Default 1 for 429 and 503. */
  retryAfterSeconds?: number;
  reason?: string;
  message?: string;
}

export interface WatchFaultOptions {
  /** Events to send before acting (0 = act as soon as the stream opens). Default 0. */
  afterEvents?: number;
  /** How many watches this applies to; default 1. */
  times?: number;
}

export type ExpiredMode = 'in-stream' | 'http';

export type FaultAction =
  | { kind: 'latency'; ms: number }
  | { kind: 'error'; options: ErrorFaultOptions }
  | { kind: 'reset' }
  | { kind: 'closeWatch'; afterEvents: number }
  | { kind: 'dropWatch'; afterEvents: number }
  | { kind: 'stallWatch' }
  | { kind: 'expireWatch'; mode: ExpiredMode };

interface Fault {
  match: RouteMatch;
  action: FaultAction;
  remaining: number;
  hits: number;
}

export interface RequestDescriptor {
  method: string;
  path: string;
  verb: string;
  resource?: string | undefined;
}

export interface Faults {
  /** Delays matching requests by `ms` before they are handled (until removed). */
  latency(match: RouteMatch, ms: number): FaultHandle;
  /** Answers matching requests with an error Status. */
  error(match: RouteMatch, options: ErrorFaultOptions): FaultHandle;
  /** Destroys the socket of matching requests without a response; default once. */
  resetConnection(match: RouteMatch, options?: { times?: number }): FaultHandle;
  /** Ends matching watches cleanly (a normal end of stream) after N events. */
  closeWatch(match?: RouteMatch, options?: WatchFaultOptions): FaultHandle;
  /** Destroys the socket of matching watches after N events (the client sees a network error). */
  dropWatch(match?: RouteMatch, options?: WatchFaultOptions): FaultHandle;
  /** Opens matching watches but never sends anything (for client watchdogs). */
  stallWatch(match?: RouteMatch, options?: { times?: number }): FaultHandle;
  /** Answers the next matching watch(es) with 410 Expired, as HTTP 410 or as an in-stream ERROR. */
  expireWatch(match?: RouteMatch, options?: { mode?: ExpiredMode; times?: number }): FaultHandle;
  /**
   * Acts on watches that are open right now: `'close'` ends them cleanly (clients reconnect),
   * `'drop'` destroys their sockets. Returns how many were affected.
   */
  interruptWatches(match?: RouteMatch, how?: 'close' | 'drop'): number;
  /** How a watch from a resourceVersion that is really too old reports 410. Default `'in-stream'`. */
  expiredMode: ExpiredMode;
  /** Removes every fault. */
  clear(): void;
}

export interface FaultEngine extends Faults {
  /** The faults that apply to a request, consuming one use of each counted fault. */
  take(request: RequestDescriptor): FaultAction[];
  /** The API server registers each open watch so `interruptWatches` can reach it. */
  trackWatch(request: RequestDescriptor, interrupt: (how: 'close' | 'drop') => void): () => void;
}

function matches(m: RouteMatch, r: RequestDescriptor): boolean {
  if (m.method !== undefined && m.method.toUpperCase() !== r.method) return false;
  if (m.verb !== undefined && m.verb !== r.verb) return false;
  if (m.resource !== undefined && m.resource !== r.resource) return false;
  if (
    m.path !== undefined &&
    !(typeof m.path === 'string' ? r.path.includes(m.path) : m.path.test(r.path))
  )
    return false;
  return true;
}

export function createFaults(): FaultEngine {
  const faults = new Set<Fault>();
  const openWatches = new Map<(how: 'close' | 'drop') => void, RequestDescriptor>();
  const add = (match: RouteMatch, action: FaultAction, times: number): FaultHandle => {
    if (!(times > 0)) throw new RangeError(`times must be > 0, got ${times}`);
    const fault: Fault = { match, action, remaining: times, hits: 0 };
    faults.add(fault);
    return {
      get hits() {
        return fault.hits;
      },
      remove: () => void faults.delete(fault),
    };
  };
  const watchOnly = (m: RouteMatch | undefined): RouteMatch => ({ ...m, verb: 'watch' });
  return {
    expiredMode: 'in-stream',
    latency: (match, ms) => add(match, { kind: 'latency', ms }, Infinity),
    error: (match, options) => add(match, { kind: 'error', options }, options.times ?? 1),
    resetConnection: (match, options) => add(match, { kind: 'reset' }, options?.times ?? 1),
    closeWatch: (match, options) =>
      add(
        watchOnly(match),
        { kind: 'closeWatch', afterEvents: options?.afterEvents ?? 0 },
        options?.times ?? 1,
      ),
    dropWatch: (match, options) =>
      add(
        watchOnly(match),
        { kind: 'dropWatch', afterEvents: options?.afterEvents ?? 0 },
        options?.times ?? 1,
      ),
    stallWatch: (match, options) =>
      add(watchOnly(match), { kind: 'stallWatch' }, options?.times ?? 1),
    expireWatch: (match, options) =>
      add(
        watchOnly(match),
        { kind: 'expireWatch', mode: options?.mode ?? 'in-stream' },
        options?.times ?? 1,
      ),
    clear: () => faults.clear(),
    interruptWatches(match = {}, how = 'close') {
      let n = 0;
      for (const [interrupt, request] of [...openWatches]) {
        if (!matches(match, request)) continue;
        interrupt(how);
        n++;
      }
      return n;
    },
    trackWatch(request, interrupt) {
      openWatches.set(interrupt, request);
      return () => void openWatches.delete(interrupt);
    },
    take(request) {
      const actions: FaultAction[] = [];
      for (const fault of [...faults]) {
        if (!matches(fault.match, request)) continue;
        fault.hits += 1;
        fault.remaining -= 1;
        if (fault.remaining <= 0) faults.delete(fault);
        actions.push(fault.action);
      }
      return actions;
    },
  };
}
