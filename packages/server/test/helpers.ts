/** Test helpers: a temp state dir, authenticated fetch, and an SSE reader. */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function tempDir(prefix: string): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  // sandboxes run as their own uids (as root) and must traverse the state dir's parents
  await chmod(dir, 0o711);
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface SseEvent {
  id: number | undefined;
  event: string;
  data: unknown;
}

/** Reads SSE events until `until(event)` is true or the stream ends. */
export async function readSse(
  response: Response,
  until: (e: SseEvent, all: SseEvent[]) => boolean = () => false,
): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return events;
      buffer += decoder.decode(value, { stream: true });
      let at: number;
      while ((at = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, at);
        buffer = buffer.slice(at + 2);
        const e: SseEvent = { id: undefined, event: 'message', data: undefined };
        let data = '';
        let any = false;
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) continue;
          const [k, ...rest] = line.split(':');
          const v = rest.join(':').replace(/^ /, '');
          if (k === 'id') e.id = Number(v);
          else if (k === 'event') e.event = v;
          else if (k === 'data') data += data ? `\n${v}` : v;
          any = true;
        }
        if (!any) continue;
        e.data = data ? (JSON.parse(data) as unknown) : undefined;
        events.push(e);
        if (until(e, events)) return events;
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

export function client(url: string, token: string) {
  return async (path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> => {
    const { json, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (!headers.has('authorization')) headers.set('authorization', `Bearer ${token}`);
    if (json !== undefined) headers.set('content-type', 'application/json');
    return fetch(url + path, {
      ...rest,
      headers,
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
    });
  };
}
