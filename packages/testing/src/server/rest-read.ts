/**
 * GET of one object and of a collection, as `k8s.io/apiserver/pkg/endpoints/handlers/get.go`
 * serves them: JSON or a `meta.k8s.io` Table, scale subresource, selectors and chunking.
 */
import type { FakeObjectStore } from '../store/object-store.js';
import { notFound } from '../store/status-error.js';
import { send } from './responses.js';
import type { RestScope } from './rest-scope.js';
import { selectorOptions } from './rest-scope.js';
import { renderTable, wantsTable } from './table.js';

export function getResource(scope: RestScope): void {
  const { ctx, ns, version, subresource } = scope;
  const { req, res, route, gvr, store, record, warnings } = ctx;
  const name = route.name!;
  if (subresource === 'scale') {
    send(res, record, 200, store.getScale(gvr, ns, name), warnings);
    return;
  }
  const obj = store.get(gvr, ns, name);
  if (obj === undefined) throw notFound(gvr.group, gvr.resource, name);
  if (wantsTable(req.headers.accept)) {
    const meta = { resourceVersion: obj.metadata.resourceVersion };
    send(res, record, 200, renderTable([obj], version, meta, store.clock.now()), warnings);
  } else send(res, record, 200, obj, warnings);
}

export function listResource(scope: RestScope): void {
  const { ctx, ns, version, type, apiVersion } = scope;
  const { req, res, url, gvr, store, record, warnings } = ctx;
  const q = url.searchParams;
  // A real apiserver lists an empty collection for a namespace that does not exist.
  const listOpts: Parameters<FakeObjectStore['list']>[1] = selectorOptions(q, ns);
  const limitRaw = q.get('limit');
  if (limitRaw !== null && limitRaw !== '') listOpts.limit = Number(limitRaw);
  const cont = q.get('continue');
  if (cont !== null && cont !== '') listOpts.continue = cont;
  const list = store.list(gvr, listOpts);
  const metadata: Record<string, unknown> = { resourceVersion: list.resourceVersion };
  if (list.continue !== undefined) metadata.continue = list.continue;
  if (list.remainingItemCount !== undefined) metadata.remainingItemCount = list.remainingItemCount;
  if (wantsTable(req.headers.accept)) {
    send(res, record, 200, renderTable(list.items, version, metadata, store.clock.now()), warnings);
  } else {
    send(
      res,
      record,
      200,
      { apiVersion, kind: type.listKind, metadata, items: list.items },
      warnings,
    );
  }
}
