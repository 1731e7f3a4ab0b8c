/**
 * The server half of SPDY/3.1 framing, as much as Kubernetes' port-forward uses (moby/spdystream
 * on the client): SYN_STREAM/SYN_REPLY with zlib-compressed header blocks, DATA, RST_STREAM,
 * PING, GOAWAY. SETTINGS, HEADERS and WINDOW_UPDATE are read and dropped: spdystream does no
 * flow control, and the kubelet sends none of them either.
 */
import { constants, createInflate, type Inflate } from 'node:zlib';
import { SPDY_HEADER_DICTIONARY } from './spdy-dictionary.js';

const VERSION = 3;
const TYPE_SYN_STREAM = 1;
const TYPE_SYN_REPLY = 2;
const TYPE_RST_STREAM = 3;
const TYPE_PING = 6;
const TYPE_GOAWAY = 7;
const TYPE_HEADERS = 8;
const FLAG_FIN = 0x01;
const MAX_DATA_LENGTH = (1 << 24) - 1;

/** RST_STREAM status codes (SPDY/3 §2.6.2). */
export const RST_PROTOCOL_ERROR = 1;
export const RST_CANCEL = 5;

export type SpdyFrame =
  | { kind: 'data'; streamId: number; fin: boolean; data: Buffer }
  /** `block` is still compressed: hand it to the connection's `HeaderInflater`, in order. */
  | { kind: 'syn_stream'; streamId: number; fin: boolean; block: Buffer }
  /** A frame this server ignores whose header block still feeds the inflater (SYN_REPLY, HEADERS). */
  | { kind: 'header_block'; block: Buffer }
  | { kind: 'rst_stream'; streamId: number; status: number }
  | { kind: 'ping'; id: number }
  | { kind: 'goaway' }
  /** A frame this server has no use for (SETTINGS, HEADERS, WINDOW_UPDATE, SYN_REPLY). */
  | { kind: 'ignored' };

export class SpdyProtocolError extends Error {
  override name = 'SpdyProtocolError';
}

/**
 * Inflates the client's header blocks. SPDY compresses every header block of a connection as one
 * zlib stream (later blocks refer back to earlier ones), so this keeps one Inflate and, per
 * block, writes it and takes what a sync flush yields. Node's zlib is asynchronous: callers
 * must await each block before the next (the session handles frames in order).
 */
export class HeaderInflater {
  readonly #zlib: Inflate = createInflate({ dictionary: SPDY_HEADER_DICTIONARY });
  #failure: Error | undefined;

  constructor() {
    this.#zlib.on('error', (err: Error) => (this.#failure = err));
  }

  inflate(block: Buffer): Promise<Map<string, string>> {
    return new Promise((resolve, reject) => {
      if (this.#failure !== undefined) return reject(this.#failure);
      this.#zlib.write(block);
      this.#zlib.flush(constants.Z_SYNC_FLUSH, () => {
        if (this.#failure !== undefined) return reject(this.#failure);
        const parts: Buffer[] = [];
        for (let part: unknown; (part = this.#zlib.read()) !== null;) parts.push(part as Buffer);
        try {
          resolve(parseHeaderBlock(Buffer.concat(parts)));
        } catch (err) {
          reject(err instanceof Error ? err : new SpdyProtocolError(String(err)));
        }
      });
    });
  }

  close(): void {
    this.#zlib.close();
  }
}

/**
 * Header blocks as one zlib stream of stored (uncompressed) deflate blocks, each ended like a
 * sync flush: the client's inflater reads them like compressed ones, and the encoder needs no
 * state beyond "the zlib header was sent". The header names the SPDY dictionary (FDICT) as the
 * client's zlib reader requires.
 */
class StoredHeaderEncoder {
  #started = false;

  encode(block: Buffer): Buffer {
    const parts: Buffer[] = [];
    if (!this.#started) {
      this.#started = true;
      const head = Buffer.alloc(6);
      // CMF 0x78 (deflate, 32 KiB window), FLG 0x20 (FDICT; 0x7820 is a multiple of 31)
      head.writeUInt16BE(0x7820, 0);
      head.writeUInt32BE(adler32(SPDY_HEADER_DICTIONARY), 2);
      parts.push(head);
    }
    let at = 0;
    do {
      const piece = block.subarray(at, at + 0xffff);
      at += piece.length;
      const head = Buffer.alloc(5);
      head[0] = 0; // BFINAL 0, BTYPE 00 (stored); a stored block starts byte-aligned
      head.writeUInt16LE(piece.length, 1);
      head.writeUInt16LE(~piece.length & 0xffff, 3);
      parts.push(head, piece);
    } while (at < block.length);
    // the empty stored block of a zlib sync flush: Go's inflater hands out what it decoded
    // only on reaching it, and would otherwise read past the frame for the next block
    parts.push(Buffer.from([0, 0, 0, 0xff, 0xff]));
    return Buffer.concat(parts);
  }
}

function adler32(data: Buffer): number {
  let a = 1;
  let b = 0;
  for (const byte of data) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

function parseHeaderBlock(block: Buffer): Map<string, string> {
  const headers = new Map<string, string>();
  let at = 0;
  const u32 = (): number => {
    if (at + 4 > block.length) throw new SpdyProtocolError('truncated SPDY header block');
    const v = block.readUInt32BE(at);
    at += 4;
    return v;
  };
  const str = (): string => {
    const len = u32();
    if (at + len > block.length) throw new SpdyProtocolError('truncated SPDY header block');
    const s = block.toString('utf8', at, at + len);
    at += len;
    return s;
  };
  const count = u32();
  for (let i = 0; i < count; i++) {
    const name = str().toLowerCase();
    // multiple values travel NUL-separated; the port-forward headers are single-valued
    headers.set(name, str().split('\0')[0] ?? '');
  }
  return headers;
}

function headerBlock(headers: ReadonlyMap<string, string>): Buffer {
  const parts: Buffer[] = [];
  const u32 = (v: number): void => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v, 0);
    parts.push(b);
  };
  u32(headers.size);
  for (const [name, value] of headers) {
    const n = Buffer.from(name.toLowerCase());
    const v = Buffer.from(value);
    u32(n.length);
    parts.push(n);
    u32(v.length);
    parts.push(v);
  }
  return Buffer.concat(parts);
}

/** Turns a byte stream from the client into frames; one instance per connection. */
export class SpdyFrameReader {
  #buffer: Buffer = Buffer.alloc(0);
  /** Frames completed by `chunk` (a partial frame stays buffered for the next call). */
  push(chunk: Buffer): SpdyFrame[] {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const frames: SpdyFrame[] = [];
    while (this.#buffer.length >= 8) {
      const length = this.#buffer.readUInt32BE(4) & 0xffffff;
      if (this.#buffer.length < 8 + length) break;
      const head = this.#buffer.subarray(0, 8);
      const payload = this.#buffer.subarray(8, 8 + length);
      this.#buffer = this.#buffer.subarray(8 + length);
      frames.push(this.#parse(head, payload));
    }
    return frames;
  }

  #parse(head: Buffer, payload: Buffer): SpdyFrame {
    const first = head.readUInt32BE(0);
    const flags = head[4] ?? 0;
    if ((first & 0x80000000) === 0) {
      return {
        kind: 'data',
        streamId: first & 0x7fffffff,
        fin: (flags & FLAG_FIN) !== 0,
        data: Buffer.from(payload),
      };
    }
    const version = (first >>> 16) & 0x7fff;
    if (version !== VERSION)
      throw new SpdyProtocolError(`unsupported SPDY version ${version} (only 3 is spoken)`);
    const type = first & 0xffff;
    switch (type) {
      case TYPE_SYN_STREAM: {
        if (payload.length < 10) throw new SpdyProtocolError('short SYN_STREAM frame');
        return {
          kind: 'syn_stream',
          streamId: payload.readUInt32BE(0) & 0x7fffffff,
          fin: (flags & FLAG_FIN) !== 0,
          block: Buffer.from(payload.subarray(10)),
        };
      }
      case TYPE_SYN_REPLY:
      case TYPE_HEADERS:
        // header blocks share the connection's zlib state: inflate even what is dropped
        return { kind: 'header_block', block: Buffer.from(payload.subarray(4)) };
      case TYPE_RST_STREAM:
        if (payload.length < 8) throw new SpdyProtocolError('short RST_STREAM frame');
        return {
          kind: 'rst_stream',
          streamId: payload.readUInt32BE(0) & 0x7fffffff,
          status: payload.readUInt32BE(4),
        };
      case TYPE_PING:
        if (payload.length < 4) throw new SpdyProtocolError('short PING frame');
        return { kind: 'ping', id: payload.readUInt32BE(0) };
      case TYPE_GOAWAY:
        return { kind: 'goaway' };
      default:
        return { kind: 'ignored' };
    }
  }
}

function controlFrame(type: number, flags: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt16BE(0x8000 | VERSION, 0);
  head.writeUInt16BE(type, 2);
  head.writeUInt32BE((((flags & 0xff) << 24) | payload.length) >>> 0, 4);
  return Buffer.concat([head, payload]);
}

function u32s(...values: number[]): Buffer {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, 4 * i));
  return b;
}

/** Encodes frames to the client; one instance per connection (it owns the header zlib state). */
export class SpdyFrameWriter {
  readonly #headers = new StoredHeaderEncoder();

  synReply(streamId: number, headers: ReadonlyMap<string, string> = new Map()): Buffer {
    const block = this.#headers.encode(headerBlock(headers));
    return controlFrame(TYPE_SYN_REPLY, 0, Buffer.concat([u32s(streamId), block]));
  }

  /** DATA frames for `data` (split at SPDY's 16 MiB frame limit); FIN on the last one. */
  data(streamId: number, data: Buffer, fin = false): Buffer[] {
    const frames: Buffer[] = [];
    let at = 0;
    do {
      const part = data.subarray(at, at + MAX_DATA_LENGTH);
      at += part.length;
      const last = at >= data.length;
      const head = Buffer.alloc(8);
      head.writeUInt32BE(streamId & 0x7fffffff, 0);
      head.writeUInt32BE((((last && fin ? FLAG_FIN : 0) << 24) | part.length) >>> 0, 4);
      frames.push(Buffer.concat([head, part]));
    } while (at < data.length);
    return frames;
  }

  rstStream(streamId: number, status: number): Buffer {
    return controlFrame(TYPE_RST_STREAM, 0, u32s(streamId, status));
  }

  ping(id: number): Buffer {
    return controlFrame(TYPE_PING, 0, u32s(id));
  }

  goAway(lastGoodStreamId: number): Buffer {
    return controlFrame(TYPE_GOAWAY, 0, u32s(lastGoodStreamId, 0));
  }
}
