/** URL → what is being asked for, following the apiserver's path layout. */

export type Route =
  | { kind: 'version' }
  | { kind: 'health' }
  | { kind: 'openapi'; version: string; path: string }
  | { kind: 'api' }
  | { kind: 'apis' }
  | { kind: 'group'; group: string }
  | { kind: 'resourceList'; group: string; version: string }
  | {
      kind: 'resource';
      group: string;
      version: string;
      resource: string;
      namespace?: string;
      name?: string;
      subresource?: string;
      /** Path segments after the subresource (e.g. a port-forward's extra path; unused today). */
      rest: string[];
    }
  | { kind: 'unknown' };

export function parseRoute(pathname: string): Route {
  const parts = pathname
    .split('/')
    .filter((p) => p !== '')
    .map(decodeURIComponent);
  if (parts.length === 0) return { kind: 'unknown' };
  const [first] = parts;
  if (first === 'version' && parts.length === 1) return { kind: 'version' };
  if ((first === 'healthz' || first === 'readyz' || first === 'livez') && parts.length <= 2)
    return { kind: 'health' };
  if (first === 'openapi' && parts.length >= 2)
    return { kind: 'openapi', version: parts[1]!, path: parts.slice(2).join('/') };
  let group: string;
  let version: string;
  let rest: string[];
  if (first === 'api') {
    if (parts.length === 1) return { kind: 'api' };
    version = parts[1]!;
    group = '';
    rest = parts.slice(2);
  } else if (first === 'apis') {
    if (parts.length === 1) return { kind: 'apis' };
    group = parts[1]!;
    if (parts.length === 2) return { kind: 'group', group };
    version = parts[2]!;
    rest = parts.slice(3);
  } else {
    return { kind: 'unknown' };
  }
  if (rest.length === 0) return { kind: 'resourceList', group, version };
  // /api/v1/namespaces/{name}[/status|/finalize] addresses the Namespace object itself.
  if (
    rest[0] === 'namespaces' &&
    group === '' &&
    (rest.length <= 2 || (rest.length === 3 && (rest[2] === 'status' || rest[2] === 'finalize')))
  ) {
    const route: Route = { kind: 'resource', group, version, resource: 'namespaces', rest: [] };
    if (rest[1] !== undefined) route.name = rest[1];
    if (rest[2] !== undefined) route.subresource = rest[2];
    return route;
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1]!;
    rest = rest.slice(2);
  }
  const [resource, name, subresource, ...more] = rest;
  const route: Route = { kind: 'resource', group, version, resource: resource!, rest: more };
  if (namespace !== undefined) route.namespace = namespace;
  if (name !== undefined) route.name = name;
  if (subresource !== undefined) route.subresource = subresource;
  return route;
}
