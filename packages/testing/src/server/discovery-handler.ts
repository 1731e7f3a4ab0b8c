/**
 * The non-resource paths the API server serves (`/version`, health, `/openapi/v3`, `/api`,
 * `/apis`, group and resource lists), as `k8s.io/apiserver/pkg/endpoints/discovery` and the
 * OpenAPI handler serve them.
 */
import type { ServerResponse } from 'node:http';
import type { ResourceRegistry } from '../resources/registry.js';
import { StatusError } from '../store/status-error.js';
import {
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
  FAKE_SERVER_VERSION,
} from './discovery.js';
import { openApiV3GroupVersion, openApiV3Root } from './openapi.js';
import type { RequestRecord } from './request-log.js';
import { send } from './responses.js';
import type { Route } from './routes.js';

const notServed = (): StatusError =>
  new StatusError(404, 'NotFound', 'the server could not find the requested resource');

/** Serves `route` when it is a discovery path; false when it is not one. */
export function serveDiscovery(
  res: ServerResponse,
  record: RequestRecord,
  route: Route,
  registry: ResourceRegistry,
  serverAddress: () => string,
): boolean {
  switch (route.kind) {
    case 'version':
      send(res, record, 200, FAKE_SERVER_VERSION);
      return true;
    case 'health':
      record.status = 200;
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('ok');
      return true;
    case 'openapi': {
      const doc =
        route.version === 'v3'
          ? route.path === ''
            ? openApiV3Root(registry)
            : openApiV3GroupVersion(registry, route.path)
          : undefined;
      if (doc === undefined) throw notServed();
      send(res, record, 200, doc);
      return true;
    }
    case 'api':
      send(res, record, 200, apiVersions(serverAddress()));
      return true;
    case 'apis':
      send(res, record, 200, apiGroupList(registry));
      return true;
    case 'group': {
      const g = apiGroup(registry, route.group);
      if (g === undefined) throw notServed();
      send(res, record, 200, g);
      return true;
    }
    case 'resourceList': {
      const list = apiResourceList(registry, route.group, route.version);
      if (list === undefined) throw notServed();
      send(res, record, 200, list);
      return true;
    }
    default:
      return false;
  }
}
