/**
 * Serves a running (or exited) container's log like the kubelet: `text/plain`, headers flushed
 * at once, `tailLines`, `sinceSeconds`/`sinceTime`, `timestamps`, `limitBytes`, and with
 * `follow=true` every new line as soon as it is written until the container exits.
 */
import type { ServerResponse } from 'node:http';
import type { ContainerLog, LogLine } from '../kubelet/container-log.js';
import { badRequest } from '../store/status-error.js';
import type { RequestRecord } from './request-log.js';
import { queryBool } from './query-params.js';

export interface LogQuery {
  follow: boolean;
  tailLines?: number;
  limitBytes?: number;
  timestamps: boolean;
  /** Epoch ms: only lines written at or after it. */
  sinceMs?: number;
}

function nonNegativeInt(url: URL, name: string, min: number): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    throw badRequest(`${name}: Invalid value: "${raw}": must be an integer >= ${min}`);
  }
  return n;
}

/** The log options of a `pods/log` request (400 for malformed values). */
export function parseLogQuery(url: URL, now: number = Date.now()): LogQuery {
  const q = url.searchParams;
  const query: LogQuery = {
    follow: queryBool(q, 'follow'),
    timestamps: queryBool(q, 'timestamps'),
  };
  const tail = nonNegativeInt(url, 'tailLines', 0);
  if (tail !== undefined) query.tailLines = tail;
  const limit = nonNegativeInt(url, 'limitBytes', 1);
  if (limit !== undefined) query.limitBytes = limit;
  const sinceSeconds = nonNegativeInt(url, 'sinceSeconds', 1);
  const sinceTime = q.get('sinceTime');
  if (sinceSeconds !== undefined && sinceTime !== null && sinceTime !== '') {
    throw badRequest('at most one of sinceTime or sinceSeconds may be specified');
  }
  if (sinceSeconds !== undefined) query.sinceMs = now - sinceSeconds * 1000;
  if (sinceTime !== null && sinceTime !== '') {
    const t = Date.parse(sinceTime);
    if (Number.isNaN(t))
      throw badRequest(`sinceTime: Invalid value: "${sinceTime}": not an RFC 3339 time`);
    query.sinceMs = t;
  }
  return query;
}

/** RFC 3339 with the fraction's trailing zeros trimmed, as Go's RFC3339Nano prints it. */
export function formatLogTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.?0+Z$/, 'Z');
}

export function streamContainerLog(
  res: ServerResponse,
  record: RequestRecord,
  log: ContainerLog,
  query: LogQuery,
): void {
  let lines: readonly LogLine[] = log.snapshot();
  if (query.sinceMs !== undefined) lines = lines.filter((l) => l.timeMs >= query.sinceMs!);
  if (query.tailLines !== undefined)
    lines = query.tailLines === 0 ? [] : lines.slice(-query.tailLines);
  record.status = 200;
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  let remaining = query.limitBytes ?? Number.POSITIVE_INFINITY;
  /** Writes one line; false once `limitBytes` is used up. */
  const emit = (line: LogLine): boolean => {
    let bytes = Buffer.from(
      query.timestamps ? `${formatLogTimestamp(line.timeMs)} ${line.text}` : line.text,
    );
    if (bytes.length > remaining) bytes = bytes.subarray(0, remaining);
    remaining -= bytes.length;
    res.write(bytes);
    return remaining > 0;
  };
  for (const line of lines) {
    if (!emit(line)) {
      res.end();
      return;
    }
  }
  if (!query.follow || log.closed) {
    res.end();
    return;
  }
  const unsubscribe = log.follow(
    (line) => {
      if (!emit(line)) {
        unsubscribe();
        res.end();
      }
    },
    () => res.end(),
  );
  res.on('close', unsubscribe);
}
