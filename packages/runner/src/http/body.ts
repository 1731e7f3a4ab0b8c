import type { IncomingMessage } from 'node:http';
import { HttpError } from './errors.js';

/** Reads the whole body, refusing more than `limit` bytes with 413 before buffering them. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

function tooLarge(limit: number): HttpError {
  return new HttpError(
    413,
    'BODY_TOO_LARGE',
    `request body exceeds ${limit} bytes; raise the runner's --max-body-bytes or send less`,
  );
}

export async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const body = await readBody(req, limit);
  if (body.length === 0)
    throw new HttpError(400, 'INVALID_JSON', 'request body is empty; send a JSON object');
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (error) {
    throw new HttpError(
      400,
      'INVALID_JSON',
      `request body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
