/**
 * A minimal OpenAPI v3 surface: enough for kubectl to learn that every kind supports
 * server-side field validation (`fieldValidation` on PATCH), so `kubectl apply`/`create`
 * validate on the server instead of needing the full (protobuf) OpenAPI v2 schema.
 * Schemas themselves are not published.
 */
import type { ResourceRegistry } from '../resources/registry.js';

const gvPath = (group: string, version: string): string =>
  group === '' ? `api/${version}` : `apis/${group}/${version}`;

export function openApiV3Root(registry: ResourceRegistry): object {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const t of registry.all()) {
    for (const v of t.versions) {
      if (!v.served) continue;
      const p = gvPath(t.group, v.name);
      paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=corral-fake` };
    }
  }
  return { paths };
}

export function openApiV3GroupVersion(
  registry: ResourceRegistry,
  path: string,
): object | undefined {
  const paths: Record<string, object> = {};
  for (const t of registry.all()) {
    for (const v of t.versions) {
      if (!v.served || gvPath(t.group, v.name) !== path) continue;
      const gvk = { group: t.group, version: v.name, kind: t.kind };
      const params = ['dryRun', 'fieldManager', 'fieldValidation', 'force'].map((name) => ({
        name,
        in: 'query',
        schema: { type: name === 'force' ? 'boolean' : 'string' },
        uniqueItems: true,
      }));
      const op = {
        'x-kubernetes-group-version-kind': gvk,
        'x-kubernetes-action': 'patch',
        parameters: params,
        responses: { '200': { description: 'OK' } },
      };
      const post = {
        'x-kubernetes-group-version-kind': gvk,
        'x-kubernetes-action': 'post',
        parameters: params,
        responses: { '201': { description: 'Created' } },
      };
      const base = t.namespaced
        ? `/${path}/namespaces/{namespace}/${t.plural}`
        : `/${path}/${t.plural}`;
      paths[base] = { post };
      paths[`${base}/{name}`] = { patch: op, put: { ...op, 'x-kubernetes-action': 'put' } };
    }
  }
  if (Object.keys(paths).length === 0) return undefined;
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0' },
    paths,
    components: { schemas: {} },
  };
}
