import type { IncomingMessage } from 'node:http';
import { HttpError } from './errors.js';

/**
 * Reads the whole body, refusing more than `limit` bytes with 413 before buffering them. A
 * refused body is left unread, not destroyed (destroying an unfinished request resets its
 * connection), so the error handler can answer and discard the rest with a lingering close.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (error?: Error) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', done);
      req.off('close', onClose);
      if (error) reject(error);
      else resolve(Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.pause();
        done(tooLarge(limit));
      } else chunks.push(chunk);
    };
    const onEnd = () => done();
    const onClose = () =>
      done(new Error('the client closed the connection while sending the body'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', done);
    req.on('close', onClose);
  });
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
