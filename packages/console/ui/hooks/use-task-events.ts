import { useEffect, useRef, useState } from 'preact/hooks';
import { stream } from '../api.js';
import type { AgentEvent, TaskStatus } from '../types.js';

const terminal = new Set<TaskStatus>(['done', 'failed']);
/** As EventSource does: wait this long before reconnecting a stream the server ended early. */
const RECONNECT_MS = 1000;

/**
 * Follows `/tasks/:id/events`, resuming from the last seen `id` (Last-Event-ID) when the
 * connection drops, until the task reaches done or failed. `onStatus` fires on each status event.
 */
export function useTaskEvents(
  taskId: string | null,
  options: { keep: boolean; onStatus?: (status: TaskStatus) => void },
): AgentEvent[] {
  const [events, setEvents] = useState<AgentEvent[]>([]);
  const { keep } = options;
  // Read through a ref: re-subscribing whenever the caller's callback changes would replay events.
  const onStatus = useRef(options.onStatus);
  onStatus.current = options.onStatus;
  useEffect(() => {
    setEvents([]);
    if (taskId === null) return;
    const controller = new AbortController();
    let lastId: number | undefined;
    let finished = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const connect = (): void => {
      stream(
        `/tasks/${encodeURIComponent(taskId)}/events`,
        (event) => {
          if (event.id !== null) lastId = event.id;
          const data = (event.data ?? {}) as Record<string, unknown>;
          const body = { ...data, type: event.type } as AgentEvent;
          if (body.type === 'status') {
            if (terminal.has(body.status)) finished = true;
            onStatus.current?.(body.status);
          }
          if (keep) setEvents((list) => [...list, body]);
        },
        { signal: controller.signal, ...(lastId === undefined ? {} : { lastEventId: lastId }) },
      ).then(
        () => {
          if (!finished && !controller.signal.aborted) timer = setTimeout(connect, RECONNECT_MS);
        },
        (error: unknown) => {
          const status = (error as { status?: number }).status;
          // 4xx (gone, unauthorized) will not heal by retrying; a dropped connection may.
          if (controller.signal.aborted || (status !== undefined && status < 500)) return;
          timer = setTimeout(connect, RECONNECT_MS);
        },
      );
    };
    connect();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [taskId, keep]);
  return events;
}
