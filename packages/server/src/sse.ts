/** Server-Sent Events on a Hono context: numbered events, a heartbeat, stop on disconnect. */
import type { Context } from 'hono';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';

export const HEARTBEAT_MS = 15_000;

export interface SseWriter {
  send(event: string, data: unknown, id?: number): Promise<void>;
  /** Aborted when the client goes away. */
  readonly signal: AbortSignal;
}

export function sse(
  c: Context,
  body: (writer: SseWriter) => Promise<void>,
  heartbeatMs = HEARTBEAT_MS,
): Response {
  return streamSSE(c, async (stream: SSEStreamingApi) => {
    const abort = new AbortController();
    stream.onAbort(() => abort.abort());
    const beat = setInterval(
      () => void stream.write(': heartbeat\n\n').catch(() => undefined),
      heartbeatMs,
    );
    try {
      await body({
        signal: abort.signal,
        send: (event, data, id) =>
          stream.writeSSE({
            event,
            data: JSON.stringify(data),
            ...(id === undefined ? {} : { id: String(id) }),
          }),
      });
    } finally {
      clearInterval(beat);
    }
  });
}
