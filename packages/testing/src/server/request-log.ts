/** Every request the fake API server saw, for assertions such as "exactly two watches were opened". */

export interface RequestResourceInfo {
  group: string;
  version: string;
  resource: string;
  namespace?: string;
  name?: string;
  subresource?: string;
}

export interface RequestRecord {
  /** Sequence number, from 1. */
  readonly id: number;
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** Kubernetes verb: get, list, watch, create, update, patch, delete, deletecollection, or `discovery`. */
  readonly verb: string;
  readonly resource?: RequestResourceInfo;
  readonly userAgent?: string;
  readonly startedAt: number;
  /** HTTP status sent (0 when the connection was reset before a response). */
  status: number;
  /** Milliseconds from arrival until the response ended (for watches: until the stream closed). */
  durationMs?: number;
  /** For watches: whether the stream is still open. */
  open: boolean;
  /** For watches: events sent (bookmarks included). */
  events: number;
  /** The fault that acted on this request, if any. */
  fault?: string;
}

export interface RequestFilter {
  method?: string;
  verb?: string;
  /** Substring or regular expression on the path. */
  path?: string | RegExp;
  /** Plural resource name, e.g. `sandboxclaims`. */
  resource?: string;
  group?: string;
  namespace?: string;
  name?: string;
  status?: number;
  /** For watches: only those still open (`true`) or already closed (`false`). */
  open?: boolean;
}

export interface RequestLog {
  /** All records, oldest first. */
  all(): readonly RequestRecord[];
  filter(filter: RequestFilter | ((r: RequestRecord) => boolean)): RequestRecord[];
  count(filter: RequestFilter | ((r: RequestRecord) => boolean)): number;
  /** Watch requests; e.g. `watches({ resource: 'sandboxclaims' }).length`. */
  watches(filter?: Omit<RequestFilter, 'verb'>): RequestRecord[];
  /** Calls `listener` when a request completes (for watches: when the stream closes). */
  onRequest(listener: (record: RequestRecord) => void): () => void;
  clear(): void;
}

export interface MutableRequestLog extends RequestLog {
  start(record: Omit<RequestRecord, 'id' | 'status' | 'open' | 'events'>): RequestRecord;
  finish(record: RequestRecord): void;
}

function matches(r: RequestRecord, f: RequestFilter): boolean {
  if (f.method !== undefined && r.method !== f.method.toUpperCase()) return false;
  if (f.verb !== undefined && r.verb !== f.verb) return false;
  if (
    f.path !== undefined &&
    !(typeof f.path === 'string' ? r.path.includes(f.path) : f.path.test(r.path))
  )
    return false;
  if (f.resource !== undefined && r.resource?.resource !== f.resource) return false;
  if (f.group !== undefined && r.resource?.group !== f.group) return false;
  if (f.namespace !== undefined && r.resource?.namespace !== f.namespace) return false;
  if (f.name !== undefined && r.resource?.name !== f.name) return false;
  if (f.status !== undefined && r.status !== f.status) return false;
  if (f.open !== undefined && r.open !== f.open) return false;
  return true;
}

export function createRequestLog(maxRecords = 10_000): MutableRequestLog {
  const records: RequestRecord[] = [];
  const listeners = new Set<(r: RequestRecord) => void>();
  let next = 1;
  const filter = (f: RequestFilter | ((r: RequestRecord) => boolean)): RequestRecord[] =>
    records.filter((r) => (typeof f === 'function' ? f(r) : matches(r, f)));
  return {
    all: () => records,
    filter,
    count: (f) => filter(f).length,
    watches: (f = {}) => filter({ ...f, verb: 'watch' }),
    onRequest(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    clear() {
      records.length = 0;
    },
    start(partial) {
      const record: RequestRecord = { ...partial, id: next++, status: 0, open: true, events: 0 };
      records.push(record);
      if (records.length > maxRecords) records.shift();
      return record;
    },
    finish(record) {
      if (!record.open) return;
      record.open = false;
      record.durationMs = Date.now() - record.startedAt;
      for (const l of [...listeners]) l(record);
    },
  };
}
