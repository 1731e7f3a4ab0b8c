/**
 * The HTTP face of the fake API server over a `FakeObjectStore`: authentication, the fault
 * knobs, the request log, and routing to the modules that mirror the API server's handlers —
 * discovery (`discovery-handler.ts`), the REST verbs (`rest-read.ts`, `rest-write.ts`,
 * `rest-delete.ts`), watch streams (`watch-handler.ts`) and registered subresources.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { compact } from '@corral/sdk';
import type { FakeObjectStore } from '../store/object-store.js';
import { methodNotAllowed, notFound, StatusError } from '../store/status-error.js';
import type { Subresource } from '../store/types.js';
import { isAccessReview, serveAccessReview } from './access-review.js';
import { serveDiscovery } from './discovery-handler.js';
import type { FaultAction, FaultEngine } from './faults.js';
import { applyRequestFaults } from './injected-faults.js';
import type { RequestContext, SubresourceHandler } from './request-context.js';
import { verbOf } from './request-info.js';
import type { MutableRequestLog, RequestRecord } from './request-log.js';
import { sendStatus } from './responses.js';
import { deleteCollection, deleteResource } from './rest-delete.js';
import { getResource, listResource } from './rest-read.js';
import { restScope } from './rest-scope.js';
import { createResource, patchResource, updateResource } from './rest-write.js';
import { parseRoute } from './routes.js';
import type { Route } from './routes.js';
import { serveWatch } from './watch-handler.js';

export type { RequestContext, SubresourceHandler } from './request-context.js';

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

const notServed = (): StatusError =>
  new StatusError(404, 'NotFound', 'the server could not find the requested resource');

export function createApiServer(options: ApiServerOptions): ApiServer {
  const { store, faults, log } = options;
  const subresources = new Map<string, SubresourceHandler>();
  const openWatches = new Set<() => void>();

  async function handleResource(ctx: RequestContext): Promise<void> {
    const { route, gvr, record, warnings } = ctx;
    const resolved = store.registry.find(gvr);
    if (resolved === undefined) throw notFound(gvr.group, gvr.resource, route.name ?? '');
    const { type, version } = resolved;
    if (version.deprecated && version.deprecationWarning !== undefined)
      warnings.push(version.deprecationWarning);
    if (type.namespaced === false && route.namespace !== undefined) throw notServed();

    let subresource: Subresource | undefined;
    if (route.subresource !== undefined) {
      if (route.subresource === 'status' && version.status) subresource = 'status';
      else if (route.subresource === 'scale' && version.scale !== undefined) subresource = 'scale';
      else {
        const handler = subresources.get(`${gvr.group}/${gvr.resource}/${route.subresource}`);
        if (handler === undefined) throw notServed();
        await handler(ctx);
        return;
      }
    }
    const scope = restScope(ctx, type, version, subresource);
    switch (record.verb) {
      case 'get':
        return getResource(scope);
      case 'list':
        return listResource(scope);
      case 'watch':
        return serveWatch(ctx, scope.ns, {
          faults,
          log,
          bookmarkIntervalMs: options.bookmarkIntervalMs,
          openWatches,
        });
      case 'create':
        return createResource(scope);
      case 'update':
        return updateResource(scope);
      case 'patch':
        return patchResource(scope);
      case 'delete':
        return deleteResource(scope);
      case 'deletecollection':
        return deleteCollection(scope);
      default:
        throw methodNotAllowed(`the server does not allow this method on the requested resource`);
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
    if (await applyRequestFaults(req, res, record, log, actions)) return;
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
    if (serveDiscovery(res, record, route, store.registry, options.serverAddress)) return;
    if (isAccessReview(route)) {
      await serveAccessReview(req, res, record);
      return;
    }
    if (route.kind !== 'resource') throw notServed();
    const gvr = { group: route.group, version: route.version, resource: route.resource };
    const warnings: string[] = [];
    await handleResource({ req, res, url, route, gvr, store, record, warnings, faults: actions });
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
          ? compact({
              group: route.group,
              version: route.version,
              resource: route.resource,
              namespace: route.namespace,
              name: route.name,
              subresource: route.subresource,
            })
          : undefined;
      const record = log.start(
        compact({
          method,
          path: url.pathname,
          query,
          verb,
          resource,
          userAgent: req.headers['user-agent'],
          startedAt: Date.now(),
        }),
      );
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
