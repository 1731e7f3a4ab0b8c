/**
 * Collects a file body into memory with a bound (red-team W3). A sandbox decides how big its
 * files are (a 1 GiB sparse file costs it nothing) and a fake runner can stream forever, so the
 * buffered `files.read` refuses a body over `maxBytes`: before reading when the runner declares
 * the length, while reading otherwise. Bigger files go through `format: 'stream'`.
 */
import type { IncomingMessage } from 'node:http';
import { InvalidArgumentError } from '../errors.js';
import { errorFromTransport } from './errors-map.js';

/** Default bound of the buffered `files.read` (text and bytes): 64 MiB. */
export const FILE_READ_LIMIT_BYTES = 64 * 1024 * 1024;

function tooLarge(operation: string, size: string, maxBytes: number): InvalidArgumentError {
  return new InvalidArgumentError(
    `${operation}: the file is ${size}, more than the ${maxBytes} bytes a buffered read collects; ` +
      `stream it with files.read(path, { format: 'stream' }) (or \`corral sandbox cp\`), ` +
      `read a part with { range }, or raise { maxBytes }`,
    { code: 'FILE_TOO_LARGE' },
  );
}

/** Checks `maxBytes` as given by a caller: a positive integer. */
export function checkMaxBytes(maxBytes: number | undefined): number {
  if (maxBytes === undefined) return FILE_READ_LIMIT_BYTES;
  if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) {
    throw new InvalidArgumentError(
      `maxBytes must be a positive whole number of bytes, got ${maxBytes}`,
    );
  }
  return maxBytes;
}

/**
 * The runner client's one body reader: collects `res`, refusing more than `maxBytes`
 * (`Infinity` for answers of the runner's own API), and translates transport failures.
 */
export async function collectBounded(
  res: IncomingMessage,
  operation: string,
  maxBytes: number,
  signal?: AbortSignal,
): Promise<Buffer> {
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    res.destroy();
    throw tooLarge(operation, `${declared} bytes`, maxBytes);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > maxBytes) {
        res.destroy();
        throw tooLarge(operation, `over ${maxBytes} bytes (still arriving)`, maxBytes);
      }
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw error;
    throw errorFromTransport(
      error,
      operation,
      signal?.aborted ? { kind: 'signal', reason: signal.reason } : undefined,
    );
  }
  return Buffer.concat(chunks, total);
}
