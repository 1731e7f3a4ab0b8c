/**
 * Reads: get, the scale subresource, and paginated lists with continue tokens.
 */
import { toScale } from './scale.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import { badRequest, expired, notFound } from './status-error.js';
import type { GroupVersionResource, KubeObject, ListOptions, ObjectList } from './types.js';
import { resolve, toVersion, lookup, mustGet, table } from './store-state.js';
import type { StoreState } from './store-state.js';

interface ContinueToken {
  rv: number;
  start: string;
}

export function get(
  s: StoreState,
  gvr: GroupVersionResource,
  namespace: string | undefined,
  name: string,
): KubeObject | undefined {
  const { type: t, version: v } = resolve(s, gvr);
  const found = lookup(s, t, namespace, name);
  return found === undefined ? undefined : toVersion(t, found, v.name);
}

export function getScale(
  s: StoreState,
  gvr: GroupVersionResource,
  namespace: string | undefined,
  name: string,
): KubeObject {
  const { type: t, version: v } = resolve(s, gvr);
  if (v.scale === undefined) throw notFound(t.group, `${t.plural}/scale`, name);
  return toScale(toVersion(t, mustGet(s, t, namespace, name), v.name), v.scale);
}

export function list(s: StoreState, gvr: GroupVersionResource, opts: ListOptions = {}): ObjectList {
  const { type: t, version: v } = resolve(s, gvr);
  const labels = parseLabelSelector(opts.labelSelector);
  const fields = parseFieldSelector(opts.fieldSelector, t.fieldSelectors);
  let listRv = s.rv;
  let start = '';
  if (opts.continue !== undefined && opts.continue !== '') {
    let token: ContinueToken;
    try {
      token = JSON.parse(Buffer.from(opts.continue, 'base64url').toString('utf8')) as ContinueToken;
      if (typeof token.rv !== 'number' || typeof token.start !== 'string')
        throw new Error('bad token');
    } catch {
      throw badRequest('continue key is not valid: illegal base64 data at input byte 0');
    }
    if (token.rv <= s.compactedThrough) {
      throw expired(
        'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
      );
    }
    listRv = token.rv;
    start = token.start;
  }
  const keys = [...table(s, t).keys()].filter((k) => k > start).sort();
  const items: KubeObject[] = [];
  let lastKey = '';
  let remaining = 0;
  const limit = opts.limit !== undefined && opts.limit > 0 ? opts.limit : Infinity;
  for (const key of keys) {
    const obj = table(s, t).get(key)!;
    if (
      t.namespaced &&
      opts.namespace !== undefined &&
      opts.namespace !== '' &&
      obj.metadata.namespace !== opts.namespace
    )
      continue;
    const converted = toVersion(t, obj, v.name);
    if (!labels(converted) || !fields(converted)) continue;
    if (items.length < limit) {
      items.push(converted);
      lastKey = key;
    } else remaining++;
  }
  const result: ObjectList = { items, resourceVersion: String(listRv) };
  if (remaining > 0) {
    result.continue = Buffer.from(
      JSON.stringify({ rv: listRv, start: lastKey } satisfies ContinueToken),
    ).toString('base64url');
    result.remainingItemCount = remaining;
  }
  return result;
}
