/** What every resource request handler receives (REST verbs, watch, subresources). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FakeObjectStore } from '../store/object-store.js';
import type { GroupVersionResource } from '../store/types.js';
import type { FaultAction } from './faults.js';
import type { RequestRecord } from './request-log.js';
import type { Route } from './routes.js';

/** Everything a request handler needs; also what subresource handlers added later receive. */
export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  route: Extract<Route, { kind: 'resource' }>;
  gvr: GroupVersionResource;
  store: FakeObjectStore;
  record: RequestRecord;
  warnings: string[];
  faults: FaultAction[];
}

/**
 * Handles `/.../{resource}/{name}/{subresource}` for subresources other than status and scale
 * (pods/log, exec, attach, portforward).
 */
export type SubresourceHandler = (ctx: RequestContext) => Promise<void> | void;
