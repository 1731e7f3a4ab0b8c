/**
 * Applies the request-level fault actions (latency, connection reset, injected HTTP errors)
 * before a request reaches its handler. Watch-stream faults are applied in `watch-handler.ts`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeStatus } from '../store/status-error.js';
import type { FaultAction } from './faults.js';
import type { MutableRequestLog, RequestRecord } from './request-log.js';
import { sendStatus } from './responses.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const REASONS: Record<number, string> = {
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
  409: 'Conflict',
  403: 'Forbidden',
  401: 'Unauthorized',
  404: 'NotFound',
};

/** Returns true when a fault answered (or dropped) the request. */
export async function applyRequestFaults(
  req: IncomingMessage,
  res: ServerResponse,
  record: RequestRecord,
  log: MutableRequestLog,
  actions: FaultAction[],
): Promise<boolean> {
  for (const a of actions) {
    if (a.kind === 'latency') await sleep(a.ms);
  }
  if (actions.some((a) => a.kind === 'reset')) {
    record.fault = 'reset';
    req.socket.destroy();
    log.finish(record);
    return true;
  }
  const error = actions.find(
    (a): a is Extract<FaultAction, { kind: 'error' }> => a.kind === 'error',
  );
  if (error === undefined) return false;
  const o = error.options;
  const retryAfter = o.retryAfterSeconds ?? (o.status === 429 || o.status === 503 ? 1 : undefined);
  const status: KubeStatus = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message:
      o.message ??
      (o.status === 429
        ? 'Too many requests, please try again later.'
        : `injected fault: HTTP ${o.status}`),
    reason: o.reason ?? REASONS[o.status] ?? 'InternalError',
    code: o.status,
  };
  if (retryAfter !== undefined) status.details = { retryAfterSeconds: retryAfter };
  record.fault = `error ${o.status}`;
  sendStatus(
    res,
    record,
    status,
    [],
    retryAfter !== undefined ? { 'Retry-After': String(retryAfter) } : {},
  );
  return true;
}
