import type { StreamEvent } from './types.js';

/**
 * Parses a `text/event-stream` body as the WHATWG spec says: events end at a blank line, `data:`
 * lines join with newlines, comments (`:` heartbeats) are ignored. Each event's data is JSON.
 */
export async function readSse(
  body: ReadableStream<Uint8Array>,
  onEvent: (event: StreamEvent) => void,
): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let id: number | null = null;
  let type = 'message';
  let data: string[] = [];
  const dispatch = (): void => {
    if (data.length > 0) {
      const text = data.join('\n');
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // The contract sends JSON; keep anything else as text rather than dropping it.
      }
      onEvent({ id, type, data: parsed });
    }
    type = 'message';
    data = [];
  };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let newline: number;
    while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
      if (line === '') dispatch();
      else if (!line.startsWith(':')) {
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const raw = colon < 0 ? '' : line.slice(colon + 1);
        const val = raw.startsWith(' ') ? raw.slice(1) : raw;
        if (field === 'data') data.push(val);
        else if (field === 'event') type = val;
        else if (field === 'id' && /^\d+$/.test(val)) id = Number(val);
      }
    }
  }
  dispatch();
}
