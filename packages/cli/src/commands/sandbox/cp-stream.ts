/**
 * The byte paths of `corral sandbox cp`, streamed end to end with bounded buffers (red-team W3):
 * a file of any size, sparse or not, costs the CLI a few chunks of memory, never its size.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Sandbox } from '@corral/sdk';
import { compact } from '@corral/sdk';
import type { OutputStream } from '../../context.js';

/** Chunks that pass through, counted. */
async function* counted(
  source: AsyncIterable<Uint8Array | string>,
  total: { bytes: number },
): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk);
    total.bytes += buffer.byteLength;
    yield buffer;
  }
}

/** Writes to an `OutputStream`, waiting for `drain` when it has one and asks for it. */
async function writeAll(source: AsyncIterable<Buffer>, out: OutputStream): Promise<void> {
  const emitter = out as OutputStream & Partial<NodeJS.EventEmitter>;
  for await (const chunk of source) {
    if (!out.write(chunk) && typeof emitter.once === 'function')
      await once(emitter as NodeJS.EventEmitter, 'drain');
  }
}

/** Streams a sandbox file to a local file, or to `out` when `target` is undefined. */
export async function download(
  sandbox: Sandbox,
  path: string,
  target: string | OutputStream,
  signal: AbortSignal,
): Promise<number> {
  const source = await sandbox.files.read(path, { format: 'stream', signal });
  const total = { bytes: 0 };
  try {
    if (typeof target === 'string') {
      // into a temp file renamed over the target at the end: a failed copy leaves the old file
      const part = `${target}.${randomBytes(4).toString('hex')}.corral-part`;
      try {
        await pipeline(counted(source, total), createWriteStream(part, { flags: 'wx' }), {
          signal,
        });
        await rename(part, target);
      } catch (error) {
        await rm(part, { force: true });
        throw error;
      }
    } else {
      await writeAll(counted(source, total), target);
    }
  } finally {
    source.destroy();
  }
  return total.bytes;
}

/** Streams a local file (or `stdin` for `-`) into a sandbox file. */
export async function upload(
  sandbox: Sandbox,
  from: string,
  stdin: AsyncIterable<Uint8Array | string>,
  target: string,
  signal: AbortSignal,
  mode?: number,
): Promise<number> {
  const total = { bytes: 0 };
  const source = from === '-' ? stdin : createReadStream(from, { highWaterMark: 1024 * 1024 });
  await sandbox.files.write(
    target,
    Readable.from(counted(source, total)),
    compact({
      signal,
      mode,
    }),
  );
  return total.bytes;
}
