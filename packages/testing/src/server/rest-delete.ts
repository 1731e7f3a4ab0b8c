/**
 * DELETE of one object and of a collection, as `k8s.io/apiserver/pkg/endpoints/handlers/delete.go`
 * serves them. `DeleteOptions` come from the query (booleans decoded like the parameter codec)
 * and the body; `orphanDependents` together with `propagationPolicy` is refused as
 * `ValidateDeleteOptions` refuses it.
 */
import type { FakeObjectStore } from '../store/object-store.js';
import { invalid, StatusError, successStatus } from '../store/status-error.js';
import type { DeleteOptions, KubeObject, PropagationPolicy } from '../store/types.js';
import { queryOptionalBool } from './query-params.js';
import { send } from './responses.js';
import type { RestScope } from './rest-scope.js';
import { selectorOptions } from './rest-scope.js';

function deleteOptionsOf(scope: RestScope, body: unknown): DeleteOptions {
  const q = scope.ctx.url.searchParams;
  const bodyOpts = (typeof body === 'object' && body !== null ? body : {}) as Record<
    string,
    unknown
  >;
  const del: DeleteOptions = {};
  const policy = q.get('propagationPolicy') ?? (bodyOpts.propagationPolicy as string | undefined);
  const orphan =
    typeof bodyOpts.orphanDependents === 'boolean'
      ? bodyOpts.orphanDependents
      : queryOptionalBool(q, 'orphanDependents');
  if (orphan !== undefined && policy !== undefined && policy !== null) {
    throw invalid('meta.k8s.io', 'DeleteOptions', '', [
      {
        type: 'FieldValueInvalid',
        field: 'propagationPolicy',
        detail: `Invalid value: "${policy}": orphanDependents and deletionPropagation cannot be both set`,
      },
    ]);
  }
  if (policy !== undefined && policy !== null) del.propagationPolicy = policy as PropagationPolicy;
  if (orphan === true) del.propagationPolicy = 'Orphan';
  const grace = q.get('gracePeriodSeconds') ?? bodyOpts.gracePeriodSeconds;
  if (grace !== undefined && grace !== null) {
    const seconds = Number(grace);
    if (!Number.isInteger(seconds)) {
      throw invalid('meta.k8s.io', 'DeleteOptions', '', [
        {
          type: 'FieldValueInvalid',
          field: 'gracePeriodSeconds',
          detail: `Invalid value: ${JSON.stringify(grace)}: must be an integer`,
        },
      ]);
    }
    del.gracePeriodSeconds = seconds;
  }
  if (typeof bodyOpts.preconditions === 'object' && bodyOpts.preconditions !== null) {
    del.preconditions = bodyOpts.preconditions;
  }
  if (scope.dryRun || (Array.isArray(bodyOpts.dryRun) && bodyOpts.dryRun.includes('All')))
    del.dryRun = true;
  return del;
}

export async function deleteResource(scope: RestScope): Promise<void> {
  const { ctx, ns, type } = scope;
  const { res, route, gvr, store, record, warnings } = ctx;
  const name = route.name!;
  const del = deleteOptionsOf(scope, await scope.body());
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
}

export async function deleteCollection(scope: RestScope): Promise<void> {
  const { ctx, ns, type, apiVersion } = scope;
  const { res, url, gvr, store, record, warnings } = ctx;
  const listOpts: Parameters<FakeObjectStore['list']>[1] = selectorOptions(url.searchParams, ns);
  const del = deleteOptionsOf(scope, await scope.body());
  delete del.preconditions;
  const items = store.list(gvr, listOpts).items;
  const deleted: KubeObject[] = [];
  for (const item of items) {
    try {
      deleted.push(store.delete(gvr, item.metadata.namespace, item.metadata.name!, { ...del }));
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
}
