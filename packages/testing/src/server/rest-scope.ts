/**
 * The per-request scope shared by the REST verb handlers (`rest-read.ts`, `rest-write.ts`,
 * `rest-delete.ts`): the resolved type and version, the namespace, the write options decoded
 * from the query as `k8s.io/apiserver/pkg/endpoints/handlers/rest.go` does.
 */
import type { IncomingMessage } from 'node:http';
import type { FieldValidation, ServerWriteOptions } from '../store/object-store.js';
import { badRequest } from '../store/status-error.js';
import type { Subresource } from '../store/types.js';
import type { ResourceType, ServedVersion } from '../resources/types.js';
import type { RequestContext } from './request-context.js';
import { parseBody, readBody } from './responses.js';

export type WriteOpts = ServerWriteOptions & {
  subresource?: Subresource;
  fieldManager?: string;
  dryRun?: boolean;
};

export interface RestScope {
  ctx: RequestContext;
  type: ResourceType;
  version: ServedVersion;
  /** The namespace for namespaced types, else undefined. */
  ns: string | undefined;
  subresource: Subresource | undefined;
  dryRun: boolean;
  /** `group/version` (or `v1`) of the request path. */
  apiVersion: string;
  writeOpts(): WriteOpts;
  body(): Promise<unknown>;
}

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

export function restScope(
  ctx: RequestContext,
  type: ResourceType,
  version: ServedVersion,
  subresource: Subresource | undefined,
): RestScope {
  const { req, url, route, gvr, warnings } = ctx;
  const q = url.searchParams;
  const dryRun = q.getAll('dryRun').includes('All');
  return {
    ctx,
    type,
    version,
    ns: type.namespaced ? route.namespace : undefined,
    subresource,
    dryRun,
    apiVersion: gvr.group === '' ? gvr.version : `${gvr.group}/${gvr.version}`,
    writeOpts() {
      const o: WriteOpts = { warnings };
      if (subresource !== undefined) o.subresource = subresource;
      o.fieldManager = q.get('fieldManager') ?? defaultManager(req);
      if (dryRun) o.dryRun = true;
      const fv = fieldValidationOf(url);
      if (fv !== undefined) o.fieldValidation = fv;
      return o;
    },
    async body() {
      return parseBody(await readBody(req), req.headers['content-type'] ?? 'application/json');
    },
  };
}

/** The list options every collection verb (list, watch, deletecollection) reads from the query. */
export function selectorOptions(
  q: URLSearchParams,
  ns: string | undefined,
): { namespace?: string; labelSelector?: string; fieldSelector?: string } {
  const o: { namespace?: string; labelSelector?: string; fieldSelector?: string } = {};
  if (ns !== undefined) o.namespace = ns;
  const ls = q.get('labelSelector');
  if (ls !== null) o.labelSelector = ls;
  const fs = q.get('fieldSelector');
  if (fs !== null) o.fieldSelector = fs;
  return o;
}
