/** What the file tools share: the path argument, the call's signal, and upload decoding. */
import { z } from 'zod';
import { InvalidArgumentError } from '@corral/sdk';
import { LimitExceededError } from '../errors.js';

export const pathArg = z
  .string()
  .describe('Path relative to the sandbox work directory (absolute paths must stay inside it).');

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function callSignal(extra: { signal: AbortSignal }, timeoutMs: number): AbortSignal {
  return AbortSignal.any([extra.signal, AbortSignal.timeout(timeoutMs)]);
}

/** Bytes of `content` as upload_file receives it, refusing anything over the operator's limit. */
export function decodeUpload(content: string, binary: boolean, maxBytes: number): Buffer {
  const tooLarge = (size: number): LimitExceededError =>
    new LimitExceededError(
      `The file is ${size} bytes; this server accepts at most ${maxBytes} bytes per upload. Split it, or generate it inside the sandbox with a command.`,
    );
  if (!binary) {
    const size = Buffer.byteLength(content);
    if (size > maxBytes) throw tooLarge(size);
    return Buffer.from(content, 'utf8');
  }
  const compact = content.replace(/\s+/g, '');
  if (!BASE64.test(compact) || compact.length % 4 === 1) {
    throw new InvalidArgumentError(
      'content is not valid base64 (with binary: true it must be base64); send text with binary: false.',
    );
  }
  // Refuse before decoding, so an oversized upload costs no more memory than it already did.
  const estimated = Math.floor((compact.length * 3) / 4);
  if (estimated - 2 > maxBytes) throw tooLarge(estimated);
  const bytes = Buffer.from(compact, 'base64');
  if (bytes.length > maxBytes) throw tooLarge(bytes.length);
  return bytes;
}
