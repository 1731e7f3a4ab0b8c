import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { DirListing, FileEntry, FileStat } from '@corral/runner';
import { InvalidArgumentError, NotFoundError } from '../errors.js';
import { checkMaxBytes, collectBounded } from './bounded-read.js';
import type { Transport } from './transport.js';

export type { DirListing, FileEntry, FileStat } from '@corral/runner';

interface Signalled {
  signal?: AbortSignal;
}

export interface ReadOptions extends Signalled {
  /** Read `length` bytes from `offset` (to the end when `length` is absent). */
  range?: { offset: number; length?: number };
  /**
   * Bound of the buffered formats (`text`, `bytes`): a bigger file fails with `FILE_TOO_LARGE`
   * before it is read. `format: 'stream'` has no bound. @default FILE_READ_LIMIT_BYTES (64 MiB)
   */
  maxBytes?: number;
}

export type WriteData =
  string | Uint8Array | Readable | WebReadableStream<Uint8Array> | ReadableStream<Uint8Array>;

export interface WriteOptions extends Signalled {
  /** Permission bits, e.g. `0o755`. Default: the existing file's mode, or 0644. */
  mode?: number;
}

/** Encodes a sandbox path for the URL, segment by segment; a leading `/` stays (absolute path). */
export function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

function rangeHeader(range: ReadOptions['range']): string | undefined {
  if (!range) return undefined;
  const { offset, length } = range;
  if (!Number.isInteger(offset) || offset < 0) {
    throw new InvalidArgumentError(`range.offset must be a non-negative integer, got ${offset}`);
  }
  if (length !== undefined && (!Number.isInteger(length) || length <= 0)) {
    throw new InvalidArgumentError(`range.length must be a positive integer, got ${length}`);
  }
  return `bytes=${offset}-${length === undefined ? '' : offset + length - 1}`;
}

function withSignal(options: Signalled): { signal?: AbortSignal } {
  return options.signal ? { signal: options.signal } : {};
}

export class Files {
  /** @internal */
  constructor(private readonly transport: Transport) {}

  read(path: string, options?: ReadOptions & { format?: 'text' }): Promise<string>;
  read(path: string, options: ReadOptions & { format: 'bytes' }): Promise<Uint8Array>;
  /** A Node stream of the content; destroy it to stop early. */
  read(path: string, options: ReadOptions & { format: 'stream' }): Promise<Readable>;
  async read(
    path: string,
    options: ReadOptions & { format?: 'text' | 'bytes' | 'stream' } = {},
  ): Promise<string | Uint8Array | Readable> {
    const range = rangeHeader(options.range);
    const maxBytes = checkMaxBytes(options.maxBytes);
    const operation = `files.read(${JSON.stringify(path)})`;
    const { res } = await this.transport.request({
      method: 'GET',
      path: `/v1/files/${encodePath(path)}`,
      ...(range ? { headers: { range } } : {}),
      idempotent: true,
      operation,
      ...withSignal(options),
    });
    if (options.format === 'stream') return res;
    const bytes = await collectBounded(res, operation, maxBytes, options.signal);
    return options.format === 'bytes'
      ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
      : bytes.toString('utf8');
  }

  /** Writes atomically (temp file + rename), creating parent directories. Never retried. */
  async write(path: string, data: WriteData, options: WriteOptions = {}): Promise<FileStat> {
    let body: Buffer | string | Readable;
    if (typeof data === 'string') body = data;
    else if (data instanceof Uint8Array)
      body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    else if (data instanceof Readable) body = data;
    else body = Readable.fromWeb(data as WebReadableStream<Uint8Array>);
    const mode = options.mode;
    if (mode !== undefined && (!Number.isInteger(mode) || mode < 0 || mode > 0o7777)) {
      throw new InvalidArgumentError(`mode must be permission bits such as 0o644, got ${mode}`);
    }
    return this.transport.json<FileStat>({
      method: 'PUT',
      path: `/v1/files/${encodePath(path)}`,
      ...(mode !== undefined ? { query: { mode: mode.toString(8).padStart(4, '0') } } : {}),
      headers: {
        'content-type': 'application/octet-stream',
        ...(typeof body === 'string' ? { 'content-length': Buffer.byteLength(body) } : {}),
        ...(Buffer.isBuffer(body) ? { 'content-length': body.length } : {}),
      },
      body,
      operation: `files.write(${JSON.stringify(path)})`,
      ...withSignal(options),
    });
  }

  /** Entries of a directory (`""` = the root), sorted by name. */
  async list(path = '', options: Signalled = {}): Promise<FileEntry[]> {
    const listing = await this.transport.json<DirListing>({
      method: 'GET',
      path: `/v1/dirs/${encodePath(path)}`,
      idempotent: true,
      operation: `files.list(${JSON.stringify(path)})`,
      ...withSignal(options),
    });
    return listing.entries;
  }

  async stat(path: string, options: Signalled = {}): Promise<FileStat> {
    return this.transport.json<FileStat>({
      method: 'GET',
      path: `/v1/stat/${encodePath(path)}`,
      idempotent: true,
      operation: `files.stat(${JSON.stringify(path)})`,
      ...withSignal(options),
    });
  }

  /** False when nothing is at `path`; a path outside the root still throws. */
  async exists(path: string, options: Signalled = {}): Promise<boolean> {
    try {
      const { res } = await this.transport.request({
        method: 'HEAD',
        path: `/v1/files/${encodePath(path)}`,
        idempotent: true,
        operation: `files.exists(${JSON.stringify(path)})`,
        ...withSignal(options),
      });
      res.resume();
      return true;
    } catch (error) {
      if (error instanceof NotFoundError) return false;
      throw error;
    }
  }

  /** Removes a file, symlink or empty directory; `recursive` removes a directory with its contents. */
  async remove(path: string, options: Signalled & { recursive?: boolean } = {}): Promise<void> {
    const { res } = await this.transport.request({
      method: 'DELETE',
      path: `/v1/files/${encodePath(path)}`,
      ...(options.recursive ? { query: { recursive: true } } : {}),
      idempotent: true,
      operation: `files.remove(${JSON.stringify(path)})`,
      ...withSignal(options),
    });
    res.resume();
  }

  /** Creates a directory and its parents; succeeds if it already exists. */
  async mkdir(path: string, options: Signalled & { mode?: number } = {}): Promise<FileStat> {
    return this.transport.json<FileStat>({
      method: 'PUT',
      path: `/v1/dirs/${encodePath(path)}`,
      ...(options.mode !== undefined
        ? { query: { mode: options.mode.toString(8).padStart(4, '0') } }
        : {}),
      idempotent: true,
      operation: `files.mkdir(${JSON.stringify(path)})`,
      ...withSignal(options),
    });
  }
}
