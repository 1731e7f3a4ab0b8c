/**
 * The HTTP face of the fake API server: routing, discovery, REST verbs, watch streams, the
 * fault knobs and the request log, over a `FakeObjectStore`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import type {
  FakeObjectStore,
  FieldValidation,
  ServerWriteOptions,
} from '../store/object-store.js';
import {
  badRequest,
  methodNotAllowed,
  notFound,
  StatusError,
  successStatus,
  unsupportedMediaType,
} from '../store/status-error.js';
import type { KubeStatus } from '../store/status-error.js';
import type {
  DeleteOptions,
  GroupVersionResource,
  KubeObject,
  PatchType,
  Subresource,
} from '../store/types.js';
import {
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
  FAKE_SERVER_VERSION,
} from './discovery.js';
import type { FaultAction, FaultEngine } from './faults.js';
import type { MutableRequestLog, RequestRecord } from './request-log.js';
import { openApiV3GroupVersion, openApiV3Root } from './openapi.js';
import { parseRoute } from './routes.js';
import type { Route } from './routes.js';
import { renderTable, wantsTable } from './table.js';

const MAX_BODY_BYTES = 3 * 1024 * 1024;

/** Everything a request handler needs; also what subresource handlers added later receive. */
export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  route: Extract<Route, { kind: 'resource' }>;
  gvr: GroupVersionResource;
  store: FakeObjectStore;
  record: RequestRecord;
  warnings: string[];
  faults: FaultAction[];
}

/**
 * Handles `/.../{resource}/{name}/{subresource}` for subresources other than status and scale
 * (pods/log today; exec, attach and portforward later).
 */
export type SubresourceHandler = (ctx: RequestContext) => Promise<void> | void;

export interface ApiServerOptions {
  store: FakeObjectStore;
  faults: FaultEngine;
  log: MutableRequestLog;
  /** Interval between BOOKMARK events on watches that allow them. */
  bookmarkIntervalMs: number;
  /** When set, every request must carry `Authorization: Bearer <token>`. */
  token?: string;
  /** `host:port` for `/api`'s serverAddressByClientCIDRs. */
  serverAddress: () => string;
}

export interface ApiServer {
  handle(req: IncomingMessage, res: ServerResponse): void;
  registerSubresource(resource: string, subresource: string, handler: SubresourceHandler): void;
  /** Ends every open watch stream cleanly (used by `stop()`). */
  closeWatches(): void;
}

function formatWarning(text: string): string {
  return `299 - "${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

function send(
  res: ServerResponse,
  record: RequestRecord,
  status: number,
  body: unknown,
  warnings: readonly string[] = [],
  extraHeaders: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  const headers: Record<string, string | string[]> = {
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(text)),
    'Cache-Control': 'no-cache, private',
    ...extraHeaders,
  };
  if (warnings.length > 0) headers.Warning = warnings.map(formatWarning);
  record.status = status;
  res.writeHead(status, headers);
  res.end(text);
}

function sendStatus(
  res: ServerResponse,
  record: RequestRecord,
  status: KubeStatus,
  warnings: readonly string[] = [],
  extraHeaders: Record<string, string> = {},
): void {
  send(res, record, status.code, status, warnings, extraHeaders);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(
          new StatusError(
            413,
            'RequestEntityTooLarge',
            'Request entity too large: limit is 3145728',
          ),
        );
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseBody(buffer: Buffer, contentType: string): unknown {
  const text = buffer.toString('utf8');
  if (text.trim() === '') return undefined;
  if (/yaml/.test(contentType)) {
    try {
      return parseYaml(text) as unknown;
    } catch (err) {
      throw badRequest(`error decoding YAML: ${(err as Error).message}`);
    }
  }
  if (/protobuf|cbor/.test(contentType)) {
    throw unsupportedMediaType(
      `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw badRequest(`error decoding JSON: ${(err as Error).message}`);
  }
}

function patchTypeOf(contentType: string): PatchType | 'strategic' {
  const base = contentType.split(';')[0]!.trim().toLowerCase();
  switch (base) {
    case 'application/merge-patch+json':
      return 'merge';
    case 'application/json-patch+json':
      return 'json';
    case 'application/apply-patch+yaml':
    case 'application/apply-patch+json':
      return 'apply';
    case 'application/strategic-merge-patch+json':
      return 'strategic';
    default:
      throw unsupportedMediaType(
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`,
      );
  }
}

function verbOf(method: string, route: Route, url: URL): string {
  if (route.kind !== 'resource') return 'discovery';
  const watch = url.searchParams.get('watch');
  switch (method) {
    case 'GET':
      if (route.name !== undefined && route.subresource === undefined) return 'get';
      if (route.name !== undefined) return 'get';
      return watch === 'true' || watch === '1' ? 'watch' : 'list';
    case 'POST':
      return route.name !== undefined && route.subresource !== undefined ? 'create' : 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return route.name === undefined ? 'deletecollection' : 'delete';
    default:
      return method.toLowerCase();
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function fieldValidationOf(url: URL): FieldValidation | undefined {
  const v = url.searchParams.get('fieldValidation');
  if (v === null || v === '') return undefined;
  if (v === 'Ignore' || v === 'Warn' || v === 'Strict') return v;
  throw badRequest(`fieldValidation must be one of "Ignore", "Warn", "Strict"; got "${v}"`);
}

/** The default field manager when a writer names none: the user agent up to the first '/'. */
function defaultManager(req: IncomingMessage): string {
  const ua = req.headers['user-agent'] ?? 'unknown';
  return ua.split('/')[0]!.slice(0, 128) || 'unknown';
}

export function createApiServer(options: ApiServerOptions): ApiServer {
  const { store, faults, log } = options;
  const subresources = new Map<string, SubresourceHandler>();
  const openWatches = new Set<() => void>();

  async function handleResource(ctx: RequestContext): Promise<void> {
    const { req, res, url, route, gvr, record, warnings } = ctx;
    const resolved = store.registry.find(gvr);
    if (resolved === undefined) throw notFound(gvr.group, gvr.resource, route.name ?? '');
    const { type, version } = resolved;
    if (version.deprecated && version.deprecationWarning !== undefined)
      warnings.push(version.deprecationWarning);
    if (type.namespaced === false && route.namespace !== undefined) {
      throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
    }
    const q = url.searchParams;
    const dryRun = q.getAll('dryRun').includes('All');

    let subresource: Subresource | undefined;
    if (route.subresource !== undefined) {
      if (route.subresource === 'status' && version.status) subresource = 'status';
      else if (route.subresource === 'scale' && version.scale !== undefined) subresource = 'scale';
      else {
        const handler = subresources.get(`${gvr.group}/${gvr.resource}/${route.subresource}`);
        if (handler === undefined)
          throw new StatusError(
            404,
            'NotFound',
            'the server could not find the requested resource',
          );
        await handler(ctx);
        return;
      }
    }
    const ns = type.namespaced ? route.namespace : undefined;
    const writeOpts = (): ServerWriteOptions & {
      subresource?: Subresource;
      fieldManager?: string;
      dryRun?: boolean;
    } => {
      const o: ServerWriteOptions & {
        subresource?: Subresource;
        fieldManager?: string;
        dryRun?: boolean;
      } = { warnings };
      if (subresource !== undefined) o.subresource = subresource;
      o.fieldManager = q.get('fieldManager') ?? defaultManager(req);
      if (dryRun) o.dryRun = true;
      const fv = fieldValidationOf(url);
      if (fv !== undefined) o.fieldValidation = fv;
      return o;
    };
    const needBody = async (): Promise<unknown> =>
      parseBody(await readBody(req), req.headers['content-type'] ?? 'application/json');
    const apiVersion = gvr.group === '' ? gvr.version : `${gvr.group}/${gvr.version}`;

    switch (record.verb) {
      case 'get': {
        const name = route.name!;
        if (subresource === 'scale') {
          send(res, record, 200, store.getScale(gvr, ns, name), warnings);
          return;
        }
        const obj = store.get(gvr, ns, name);
        if (obj === undefined) throw notFound(gvr.group, gvr.resource, name);
        if (wantsTable(req.headers.accept)) {
          send(
            res,
            record,
            200,
            renderTable(
              [obj],
              version,
              { resourceVersion: obj.metadata.resourceVersion },
              store.clock.now(),
            ),
            warnings,
          );
        } else send(res, record, 200, obj, warnings);
        return;
      }
      case 'list': {
        if (type.namespaced && ns !== undefined) {
          if (
            store.get({ group: '', version: 'v1', resource: 'namespaces' }, undefined, ns) ===
            undefined
          ) {
            // A real apiserver lists an empty collection for a namespace that does not exist.
          }
        }
        const limitRaw = q.get('limit');
        const listOpts: Parameters<FakeObjectStore['list']>[1] = {};
        if (ns !== undefined) listOpts.namespace = ns;
        const ls = q.get('labelSelector');
        if (ls !== null) listOpts.labelSelector = ls;
        const fs = q.get('fieldSelector');
        if (fs !== null) listOpts.fieldSelector = fs;
        if (limitRaw !== null && limitRaw !== '') listOpts.limit = Number(limitRaw);
        const cont = q.get('continue');
        if (cont !== null && cont !== '') listOpts.continue = cont;
        const list = store.list(gvr, listOpts);
        const metadata: Record<string, unknown> = { resourceVersion: list.resourceVersion };
        if (list.continue !== undefined) metadata.continue = list.continue;
        if (list.remainingItemCount !== undefined)
          metadata.remainingItemCount = list.remainingItemCount;
        if (wantsTable(req.headers.accept)) {
          send(
            res,
            record,
            200,
            renderTable(list.items, version, metadata, store.clock.now()),
            warnings,
          );
        } else {
          send(
            res,
            record,
            200,
            { apiVersion, kind: type.listKind, metadata, items: list.items },
            warnings,
          );
        }
        return;
      }
      case 'watch':
        serveWatch(ctx, ns);
        return;
      case 'create': {
        if (route.name !== undefined)
          throw methodNotAllowed('the server does not allow this method on the requested resource');
        const body = await needBody();
        if (typeof body !== 'object' || body === null || Array.isArray(body))
          throw badRequest('the request body must be a JSON object');
        const obj = body as KubeObject;
        if (ns !== undefined) {
          const meta = (obj.metadata ??= {});
          if (meta.namespace !== undefined && meta.namespace !== '' && meta.namespace !== ns) {
            throw badRequest(
              'the namespace of the provided object does not match the namespace sent on the request',
            );
          }
          meta.namespace = ns;
        }
        const created = store.create(gvr, obj, writeOpts());
        send(res, record, 201, created, warnings);
        return;
      }
      case 'update': {
        const name = route.name;
        if (name === undefined)
          throw methodNotAllowed('the server does not allow this method on the requested resource');
        const body = await needBody();
        if (typeof body !== 'object' || body === null || Array.isArray(body))
          throw badRequest('the request body must be a JSON object');
        const obj = body as KubeObject;
        obj.metadata ??= {};
        if (obj.metadata.name !== undefined && obj.metadata.name !== name) {
          throw badRequest(
            `the name of the object (${String(obj.metadata.name)}) does not match the name on the URL (${name})`,
          );
        }
        obj.metadata.name = name;
        if (ns !== undefined) {
          if (obj.metadata.namespace !== undefined && obj.metadata.namespace !== ns) {
            throw badRequest(
              'the namespace of the provided object does not match the namespace sent on the request',
            );
          }
          obj.metadata.namespace = ns;
        }
        if (subresource === 'scale') {
          store.update(gvr, obj, writeOpts());
          send(res, record, 200, store.getScale(gvr, ns, name), warnings);
          return;
        }
        send(res, record, 200, store.update(gvr, obj, writeOpts()), warnings);
        return;
      }
      case 'patch': {
        const name = route.name;
        if (name === undefined)
          throw methodNotAllowed('the server does not allow this method on the requested resource');
        const patchType = patchTypeOf(req.headers['content-type'] ?? '');
        const body = await needBody();
        const opts: Parameters<FakeObjectStore['patch']>[5] = writeOpts();
        if (patchType === 'apply') {
          const fm = q.get('fieldManager');
          if (fm === null || fm === '') delete opts.fieldManager;
          const force = q.get('force');
          if (force === 'true') opts.force = true;
          else if (force !== null && force !== 'false')
            throw badRequest(`invalid force value: "${force}"`);
        }
        const existed = store.get(gvr, ns, name) !== undefined;
        const patched = store.patch(gvr, ns, name, body, patchType, opts);
        send(res, record, patchType === 'apply' && !existed ? 201 : 200, patched, warnings);
        return;
      }
      case 'delete': {
        const name = route.name!;
        const body = await needBody();
        const del: DeleteOptions = {};
        const bodyOpts = (typeof body === 'object' && body !== null ? body : {}) as Record<
          string,
          unknown
        >;
        const policy =
          q.get('propagationPolicy') ?? (bodyOpts.propagationPolicy as string | undefined);
        if (policy !== undefined && policy !== null)
          del.propagationPolicy = policy as DeleteOptions['propagationPolicy'] & string;
        if (bodyOpts.orphanDependents === true || q.get('orphanDependents') === 'true')
          del.propagationPolicy = 'Orphan';
        if (typeof bodyOpts.preconditions === 'object' && bodyOpts.preconditions !== null) {
          del.preconditions = bodyOpts.preconditions;
        }
        if (dryRun || (Array.isArray(bodyOpts.dryRun) && bodyOpts.dryRun.includes('All')))
          del.dryRun = true;
        const result = store.delete(gvr, ns, name, del);
        const stillThere = del.dryRun !== true && store.get(gvr, ns, name) !== undefined;
        if (stillThere || type.builtin || del.dryRun === true) {
          send(res, record, 200, result, warnings);
        } else {
          const details: Record<string, string> = { name, kind: gvr.resource };
          if (gvr.group !== '') details.group = gvr.group;
          if (result.metadata.uid !== undefined) details.uid = result.metadata.uid;
          send(res, record, 200, successStatus(details), warnings);
        }
        return;
      }
      case 'deletecollection': {
        const listOpts: Parameters<FakeObjectStore['list']>[1] = {};
        if (ns !== undefined) listOpts.namespace = ns;
        const ls = q.get('labelSelector');
        if (ls !== null) listOpts.labelSelector = ls;
        const fs = q.get('fieldSelector');
        if (fs !== null) listOpts.fieldSelector = fs;
        const body = await needBody();
        const bodyOpts = (typeof body === 'object' && body !== null ? body : {}) as Record<
          string,
          unknown
        >;
        const policy =
          q.get('propagationPolicy') ?? (bodyOpts.propagationPolicy as string | undefined);
        const items = store.list(gvr, listOpts).items;
        const deleted: KubeObject[] = [];
        for (const item of items) {
          try {
            const del: DeleteOptions = {};
            if (policy !== undefined && policy !== null)
              del.propagationPolicy = policy as NonNullable<DeleteOptions['propagationPolicy']>;
            if (dryRun) del.dryRun = true;
            deleted.push(store.delete(gvr, item.metadata.namespace, item.metadata.name!, del));
          } catch (err) {
            if (!(err instanceof StatusError && err.code === 404)) throw err;
          }
        }
        send(
          res,
          record,
          200,
          {
            apiVersion,
            kind: type.listKind,
            metadata: { resourceVersion: store.currentResourceVersion() },
            items: deleted,
          },
          warnings,
        );
        return;
      }
      default:
        throw methodNotAllowed(`the server does not allow this method on the requested resource`);
    }
  }

  function serveWatch(ctx: RequestContext, ns: string | undefined): void {
    const { req, res, url, gvr, record, warnings } = ctx;
    const q = url.searchParams;
    const type = store.registry.resolve(gvr).type;
    const watchFaults = ctx.faults;
    const expire = watchFaults.find(
      (f): f is Extract<FaultAction, { kind: 'expireWatch' }> => f.kind === 'expireWatch',
    );
    const close = watchFaults.find(
      (f): f is Extract<FaultAction, { kind: 'closeWatch' }> => f.kind === 'closeWatch',
    );
    const drop = watchFaults.find(
      (f): f is Extract<FaultAction, { kind: 'dropWatch' }> => f.kind === 'dropWatch',
    );
    const stall = watchFaults.some((f) => f.kind === 'stallWatch');
    const rvParam = q.get('resourceVersion') ?? undefined;

    const expiredStatus = (message: string): KubeStatus => ({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      reason: 'Expired',
      code: 410,
    });
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

    // Validate selectors before committing to a 200.
    const watchOpts: Parameters<FakeObjectStore['watch']>[1] = {};
    if (ns !== undefined) watchOpts.namespace = ns;
    const ls = q.get('labelSelector');
    if (ls !== null) watchOpts.labelSelector = ls;
    const fs = q.get('fieldSelector');
    if (fs !== null) watchOpts.fieldSelector = fs;
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
      if (q.get('allowWatchBookmarks') === 'true') writeEvent('BOOKMARK', bookmark());
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
    if (q.get('allowWatchBookmarks') === 'true' && options.bookmarkIntervalMs > 0) {
      timers.push(
        setInterval(() => writeEvent('BOOKMARK', bookmark()), options.bookmarkIntervalMs),
      );
    }
  }

  async function dispatch(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    route: Route,
    record: RequestRecord,
    actions: FaultAction[],
  ): Promise<void> {
    const warnings: string[] = [];
    for (const a of actions) {
      if (a.kind === 'latency') await sleep(a.ms);
    }
    if (actions.some((a) => a.kind === 'reset')) {
      record.fault = 'reset';
      req.socket.destroy();
      log.finish(record);
      return;
    }
    const error = actions.find(
      (a): a is Extract<FaultAction, { kind: 'error' }> => a.kind === 'error',
    );
    if (error !== undefined) {
      const o = error.options;
      const retryAfter =
        o.retryAfterSeconds ?? (o.status === 429 || o.status === 503 ? 1 : undefined);
      const reasons: Record<number, string> = {
        429: 'TooManyRequests',
        500: 'InternalError',
        503: 'ServiceUnavailable',
        504: 'Timeout',
        409: 'Conflict',
        403: 'Forbidden',
        401: 'Unauthorized',
        404: 'NotFound',
      };
      const status: KubeStatus = {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message:
          o.message ??
          (o.status === 429
            ? 'Too many requests, please try again later.'
            : `injected fault: HTTP ${o.status}`),
        reason: o.reason ?? reasons[o.status] ?? 'InternalError',
        code: o.status,
      };
      if (retryAfter !== undefined) status.details = { retryAfterSeconds: retryAfter };
      record.fault = `error ${o.status}`;
      sendStatus(
        res,
        record,
        status,
        [],
        retryAfter !== undefined ? { 'Retry-After': String(retryAfter) } : {},
      );
      return;
    }
    if (options.token !== undefined && req.headers.authorization !== `Bearer ${options.token}`) {
      sendStatus(res, record, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'Unauthorized',
        reason: 'Unauthorized',
        code: 401,
      });
      return;
    }
    switch (route.kind) {
      case 'version':
        send(res, record, 200, FAKE_SERVER_VERSION);
        return;
      case 'health':
        record.status = 200;
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('ok');
        return;
      case 'openapi': {
        const doc =
          route.version === 'v3'
            ? route.path === ''
              ? openApiV3Root(store.registry)
              : openApiV3GroupVersion(store.registry, route.path)
            : undefined;
        if (doc === undefined)
          throw new StatusError(
            404,
            'NotFound',
            'the server could not find the requested resource',
          );
        send(res, record, 200, doc);
        return;
      }
      case 'api':
        send(res, record, 200, apiVersions(options.serverAddress()));
        return;
      case 'apis':
        send(res, record, 200, apiGroupList(store.registry));
        return;
      case 'group': {
        const g = apiGroup(store.registry, route.group);
        if (g === undefined)
          throw new StatusError(
            404,
            'NotFound',
            'the server could not find the requested resource',
          );
        send(res, record, 200, g);
        return;
      }
      case 'resourceList': {
        const list = apiResourceList(store.registry, route.group, route.version);
        if (list === undefined)
          throw new StatusError(
            404,
            'NotFound',
            'the server could not find the requested resource',
          );
        send(res, record, 200, list);
        return;
      }
      case 'resource': {
        const gvr = { group: route.group, version: route.version, resource: route.resource };
        await handleResource({
          req,
          res,
          url,
          route,
          gvr,
          store,
          record,
          warnings,
          faults: actions,
        });
        return;
      }
      default:
        throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
    }
  }

  return {
    registerSubresource(resource, subresource, handler) {
      const [group, plural] = resource.includes('/') ? resource.split('/', 2) : ['', resource];
      subresources.set(`${group}/${plural}/${subresource}`, handler);
    },
    closeWatches() {
      for (const end of [...openWatches]) end();
    },
    handle(req, res) {
      const url = new URL(req.url ?? '/', 'http://fake.invalid');
      const route = parseRoute(url.pathname);
      const method = req.method ?? 'GET';
      const verb = verbOf(method, route, url);
      const query: Record<string, string> = {};
      for (const [k, v] of url.searchParams) query[k] = v;
      const resource =
        route.kind === 'resource'
          ? {
              group: route.group,
              version: route.version,
              resource: route.resource,
              ...(route.namespace !== undefined ? { namespace: route.namespace } : {}),
              ...(route.name !== undefined ? { name: route.name } : {}),
              ...(route.subresource !== undefined ? { subresource: route.subresource } : {}),
            }
          : undefined;
      const record = log.start({
        method,
        path: url.pathname,
        query,
        verb,
        ...(resource !== undefined ? { resource } : {}),
        ...(req.headers['user-agent'] !== undefined
          ? { userAgent: req.headers['user-agent'] }
          : {}),
        startedAt: Date.now(),
      });
      const actions = faults.take({
        method,
        path: url.pathname,
        verb,
        resource: resource?.resource,
      });
      if (verb !== 'watch') res.on('close', () => log.finish(record));
      dispatch(req, res, url, route, record, actions).catch((err: unknown) => {
        const status =
          err instanceof StatusError
            ? err.toStatus()
            : new StatusError(
                500,
                'InternalError',
                `Internal error occurred: ${err instanceof Error ? err.message : String(err)}`,
              ).toStatus();
        if (res.headersSent) {
          res.destroy();
          return;
        }
        sendStatus(res, record, status);
      });
    },
  };
}
