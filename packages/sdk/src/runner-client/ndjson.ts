import type { IncomingMessage } from 'node:http';
import type { CommandEvent } from '@corral/runner';

/** Parses the runner's NDJSON event stream. */
export async function* readEvents(res: IncomingMessage): AsyncGenerator<CommandEvent> {
  let pending = '';
  res.setEncoding('utf8');
  for await (const chunk of res as AsyncIterable<string>) {
    pending += chunk;
    let start = 0;
    let nl: number;
    while ((nl = pending.indexOf('\n', start)) >= 0) {
      if (nl > start) yield JSON.parse(pending.slice(start, nl)) as CommandEvent;
      start = nl + 1;
    }
    pending = pending.slice(start);
  }
  if (pending.trim().length > 0) yield JSON.parse(pending) as CommandEvent;
}

export function eventBytes(event: { data: string; encoding?: 'base64' }): Buffer {
  return Buffer.from(event.data, event.encoding === 'base64' ? 'base64' : 'utf8');
}
