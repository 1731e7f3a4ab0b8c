/**
 * The verb of a request, as `k8s.io/apiserver/pkg/endpoints/request/requestinfo.go` derives it:
 * a GET without a name is a `watch` when the decoded `watch` option is true, else a `list`.
 */
import { queryBool } from './query-params.js';
import type { Route } from './routes.js';

export function verbOf(method: string, route: Route, url: URL): string {
  if (route.kind !== 'resource') return 'discovery';
  switch (method) {
    case 'GET':
      if (route.name !== undefined) return 'get';
      return queryBool(url.searchParams, 'watch') ? 'watch' : 'list';
    case 'POST':
      return 'create';
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
