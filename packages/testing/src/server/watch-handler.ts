/**
 * Watch streams, as `k8s.io/apiserver/pkg/endpoints/handlers/watch.go` serves them: chunked JSON
 * events, `410 Expired` for a too-old resourceVersion, `timeoutSeconds`, BOOKMARKs when
 * `allowWatchBookmarks` is true (decoded like every boolean), and the watch fault knobs.
 */
import type { FakeObjectStore } from '../store/object-store.js';
import { StatusError } from '../store/status-error.js';
import type { KubeStatus } from '../store/status-error.js';
import type { FaultAction, FaultEngine } from './faults.js';
import { queryBool } from './query-params.js';
import type { MutableRequestLog } from './request-log.js';
import type { RequestContext } from './request-context.js';
import { formatWarning, sendStatus } from './responses.js';
import { selectorOptions } from './rest-scope.js';

export interface WatchServerOptions {
  faults: FaultEngine;
  log: MutableRequestLog;
  bookmarkIntervalMs: number;
  /** Watches still open; each entry ends its stream cleanly. */
  openWatches: Set<() => void>;
}

function expiredStatus(message: string): KubeStatus {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason: 'Expired',
    code: 410,
  };
}

function findFault<K extends FaultAction['kind']>(
  actions: FaultAction[],
  kind: K,
): Extract<FaultAction, { kind: K }> | undefined {
  return actions.find((f): f is Extract<FaultAction, { kind: K }> => f.kind === kind);
}

export function serveWatch(
  ctx: RequestContext,
  ns: string | undefined,
  options: WatchServerOptions,
): void {
  const { req, res, url, gvr, store, record, warnings } = ctx;
  const { faults, log, openWatches } = options;
  const q = url.searchParams;
  const type = store.registry.resolve(gvr).type;
  const expire = findFault(ctx.faults, 'expireWatch');
  const close = findFault(ctx.faults, 'closeWatch');
  const drop = findFault(ctx.faults, 'dropWatch');
  const stall = ctx.faults.some((f) => f.kind === 'stallWatch');
  const bookmarks = queryBool(q, 'allowWatchBookmarks');
  const rvParam = q.get('resourceVersion') ?? undefined;

  const oldRvMessage = `too old resource version: ${rvParam ?? '0'} (${Number(store.oldestWatchableResourceVersion()) + 1})`;
  const tooOld =
    rvParam !== undefined &&
    rvParam !== '' &&
    rvParam !== '0' &&
    Number(rvParam) < Number(store.oldestWatchableResourceVersion());
  if (expire?.mode === 'http' || (tooOld && faults.expiredMode === 'http')) {
    record.fault = 'expireWatch';
    sendStatus(res, record, expiredStatus(oldRvMessage), warnings);
    return;
  }

  const watchOpts: Parameters<FakeObjectStore['watch']>[1] = selectorOptions(q, ns);
  if (rvParam !== undefined) watchOpts.resourceVersion = rvParam;

  let closed = false;
  let sent = 0;
  const buffered: string[] = [];
  let started = false;
  let stop: (() => void) | undefined;
  const timers: NodeJS.Timeout[] = [];

  const tracking: { untrack?: () => void } = {};
  const finish = (how: 'end' | 'destroy'): void => {
    if (closed) return;
    closed = true;
    stop?.();
    tracking.untrack?.();
    for (const t of timers) clearTimeout(t);
    openWatches.delete(endCleanly);
    if (how === 'destroy') res.destroy();
    else res.end();
    log.finish(record);
  };
  const endCleanly = (): void => {
    if (bookmarks) writeEvent('BOOKMARK', bookmark());
    finish('end');
  };
  const bookmark = (): object => ({
    kind: type.kind,
    apiVersion: gvr.group === '' ? gvr.version : `${gvr.group}/${gvr.version}`,
    metadata: { resourceVersion: store.currentResourceVersion() },
  });
  function writeEvent(eventType: string, object: unknown): void {
    if (closed || stall) return;
    const line = `${JSON.stringify({ type: eventType, object })}\n`;
    if (!started) {
      buffered.push(line);
      return;
    }
    res.write(line);
    sent++;
    record.events = sent;
    if (drop !== undefined && sent >= drop.afterEvents) {
      record.fault = 'dropWatch';
      finish('destroy');
    } else if (close !== undefined && sent >= close.afterEvents) {
      record.fault = 'closeWatch';
      finish('end');
    }
  }

  record.status = 200;
  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
    'Transfer-Encoding': 'chunked',
    ...(warnings.length > 0 ? { Warning: warnings.map(formatWarning) } : {}),
  });
  res.flushHeaders();
  res.on('close', () => finish('end'));
  req.socket.setNoDelay(true);
  openWatches.add(endCleanly);
  tracking.untrack = faults.trackWatch(
    { method: 'GET', path: url.pathname, verb: 'watch', resource: gvr.resource },
    (how) => {
      record.fault = how === 'drop' ? 'dropWatch' : 'closeWatch';
      finish(how === 'drop' ? 'destroy' : 'end');
    },
  );

  if (expire !== undefined) {
    record.fault = 'expireWatch';
    started = true;
    res.write(`${JSON.stringify({ type: 'ERROR', object: expiredStatus(oldRvMessage) })}\n`);
    finish('end');
    return;
  }
  try {
    stop = store.watch(gvr, watchOpts, (event) => writeEvent(event.type, event.object));
  } catch (err) {
    started = true;
    if (err instanceof StatusError) {
      res.write(`${JSON.stringify({ type: 'ERROR', object: err.toStatus() })}\n`);
    }
    finish('end');
    return;
  }
  started = true;
  for (const line of buffered.splice(0)) {
    if (closed) break;
    res.write(line);
    sent++;
    record.events = sent;
  }
  if (!closed && (drop?.afterEvents === 0 || (drop !== undefined && sent >= drop.afterEvents))) {
    record.fault = 'dropWatch';
    // Give the client its headers first so the failure is a mid-stream drop, not a refused request.
    setImmediate(() => finish('destroy'));
    return;
  }
  if (!closed && close !== undefined && sent >= close.afterEvents) {
    record.fault = 'closeWatch';
    finish('end');
    return;
  }
  const timeoutSeconds = Number(q.get('timeoutSeconds') ?? '0');
  if (timeoutSeconds > 0) timers.push(setTimeout(endCleanly, timeoutSeconds * 1000));
  if (bookmarks && options.bookmarkIntervalMs > 0) {
    timers.push(setInterval(() => writeEvent('BOOKMARK', bookmark()), options.bookmarkIntervalMs));
  }
}
