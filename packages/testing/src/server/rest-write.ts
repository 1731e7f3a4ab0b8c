/**
 * POST, PUT and PATCH, as `k8s.io/apiserver/pkg/endpoints/handlers/{create,update,patch}.go`
 * serve them: name/namespace checks against the URL, patch content types, server-side apply's
 * `force` (a `*bool` query parameter, decoded like every boolean).
 */
import type { FakeObjectStore } from '../store/object-store.js';
import { badRequest, methodNotAllowed, unsupportedMediaType } from '../store/status-error.js';
import type { KubeObject, PatchType } from '../store/types.js';
import { queryBool } from './query-params.js';
import { send } from './responses.js';
import type { RestScope } from './rest-scope.js';

const notAllowed = (): Error =>
  methodNotAllowed('the server does not allow this method on the requested resource');

const namespaceMismatch = (): Error =>
  badRequest(
    'the namespace of the provided object does not match the namespace sent on the request',
  );

function objectBody(body: unknown): KubeObject {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw badRequest('the request body must be a JSON object');
  return body as KubeObject;
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

export async function createResource(scope: RestScope): Promise<void> {
  const { ctx, ns } = scope;
  const { res, route, gvr, store, record, warnings } = ctx;
  if (route.name !== undefined) throw notAllowed();
  const obj = objectBody(await scope.body());
  if (ns !== undefined) {
    const meta = (obj.metadata ??= {});
    if (meta.namespace !== undefined && meta.namespace !== '' && meta.namespace !== ns)
      throw namespaceMismatch();
    meta.namespace = ns;
  }
  send(res, record, 201, store.create(gvr, obj, scope.writeOpts()), warnings);
}

export async function updateResource(scope: RestScope): Promise<void> {
  const { ctx, ns, subresource } = scope;
  const { res, route, gvr, store, record, warnings } = ctx;
  const name = route.name;
  if (name === undefined) throw notAllowed();
  const obj = objectBody(await scope.body());
  obj.metadata ??= {};
  if (obj.metadata.name !== undefined && obj.metadata.name !== name) {
    throw badRequest(
      `the name of the object (${String(obj.metadata.name)}) does not match the name on the URL (${name})`,
    );
  }
  obj.metadata.name = name;
  if (ns !== undefined) {
    if (obj.metadata.namespace !== undefined && obj.metadata.namespace !== ns)
      throw namespaceMismatch();
    obj.metadata.namespace = ns;
  }
  if (subresource === 'scale') {
    store.update(gvr, obj, scope.writeOpts());
    send(res, record, 200, store.getScale(gvr, ns, name), warnings);
    return;
  }
  send(res, record, 200, store.update(gvr, obj, scope.writeOpts()), warnings);
}

export async function patchResource(scope: RestScope): Promise<void> {
  const { ctx, ns } = scope;
  const { req, res, url, route, gvr, store, record, warnings } = ctx;
  const q = url.searchParams;
  const name = route.name;
  if (name === undefined) throw notAllowed();
  const patchType = patchTypeOf(req.headers['content-type'] ?? '');
  const body = await scope.body();
  const opts: Parameters<FakeObjectStore['patch']>[5] = scope.writeOpts();
  if (patchType === 'apply') {
    const fm = q.get('fieldManager');
    if (fm === null || fm === '') delete opts.fieldManager;
    if (queryBool(q, 'force')) opts.force = true;
  }
  const existed = store.get(gvr, ns, name) !== undefined;
  const patched = store.patch(gvr, ns, name, body, patchType, opts);
  send(res, record, patchType === 'apply' && !existed ? 201 : 200, patched, warnings);
}
