import { z } from 'zod';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { InvalidArgumentError } from '@corral/sdk';
import { checkWorkPath } from '@corral/sdk/tools';
import { LimitExceededError } from '../errors.js';
import { guarded, ok } from '../tool-result.js';
import type { ToolContext } from './context.js';
import { namespaceArg, sandboxArg, timeoutArg, timeoutMsOf } from './context.js';

const pathArg = z
  .string()
  .describe('Path relative to the sandbox work directory (absolute paths must stay inside it).');

const DEFAULT_MAX_ENTRIES = 1000;
const MAX_ENTRIES_LIMIT = 10_000;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function callSignal(extra: { signal: AbortSignal }, timeoutMs: number): AbortSignal {
  return AbortSignal.any([extra.signal, AbortSignal.timeout(timeoutMs)]);
}

/** Bytes of `content` as upload_file receives it, refusing anything over the operator's limit. */
function decodeUpload(content: string, binary: boolean, maxBytes: number): Buffer {
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

/** upstream's `upload_file`, `download_file`, `list_files`, `file_exists`; Corral's `write_file`, `read_file`. */
export function registerFileTools(server: McpServer, ctx: ToolContext): void {
  const { options } = ctx;
  server.registerTool(
    'upload_file',
    {
      title: 'Upload file',
      description: `Write a file into a sandbox (text, or base64 with binary: true), creating parent directories. At most ${options.maxUploadBytes} bytes.`,
      inputSchema: {
        sandbox_claim_name: sandboxArg,
        namespace: namespaceArg,
        path: pathArg,
        content: z.string().describe('Content of the file.'),
        binary: z.boolean().optional().describe('When true, content is base64-encoded bytes.'),
        timeout: timeoutArg(ctx, 'upload the file'),
      },
      outputSchema: { bytes_written: z.number().int() },
    },
    (args, extra) =>
      guarded(async () => {
        const sandbox = ctx.session.get(args.sandbox_claim_name);
        const path = checkWorkPath(args.path);
        const bytes = decodeUpload(args.content, args.binary ?? false, options.maxUploadBytes);
        await sandbox.files.write(path, bytes, {
          signal: callSignal(extra, timeoutMsOf(ctx, args.timeout)),
        });
        return ok(`Wrote ${bytes.length} bytes to ${args.path}.`, { bytes_written: bytes.length });
      }),
  );

  server.registerTool(
    'download_file',
    {
      title: 'Download file',
      description: `Read a whole file from a sandbox (UTF-8 text, or base64 with binary: true). At most ${options.maxDownloadBytes} bytes; use read_file for a part of a large text file.`,
      inputSchema: {
        sandbox_claim_name: sandboxArg,
        namespace: namespaceArg,
        path: pathArg,
        binary: z
          .boolean()
          .optional()
          .describe('When true, the content is returned base64-encoded.'),
        timeout: timeoutArg(ctx, 'download the file'),
      },
      outputSchema: { content: z.string(), bytes_read: z.number().int() },
    },
    (args, extra) =>
      guarded(async () => {
        const sandbox = ctx.session.get(args.sandbox_claim_name);
        const path = checkWorkPath(args.path);
        const signal = callSignal(extra, timeoutMsOf(ctx, args.timeout));
        const stat = await sandbox.files.stat(path, { signal });
        if (stat.type !== 'file') {
          throw new InvalidArgumentError(
            `${args.path} is a ${stat.type}, not a file; use list_files for directories.`,
          );
        }
        if (stat.size > options.maxDownloadBytes) {
          throw new LimitExceededError(
            `${args.path} is ${stat.size} bytes; this server returns at most ${options.maxDownloadBytes}. Use read_file with offset for text, or process the file inside the sandbox.`,
          );
        }
        const bytes = Buffer.from(await sandbox.files.read(path, { format: 'bytes', signal }));
        let content: string;
        if (args.binary) content = bytes.toString('base64');
        else {
          try {
            content = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
          } catch {
            throw new InvalidArgumentError(
              `File at ${JSON.stringify(args.path)} contains non-UTF-8 bytes. Set binary: true to retrieve it as base64.`,
            );
          }
        }
        return ok(args.binary ? `${bytes.length} bytes (base64):\n${content}` : content, {
          content,
          bytes_read: bytes.length,
        });
      }),
  );

  server.registerTool(
    'list_files',
    {
      title: 'List files',
      description: `List the entries of a directory in a sandbox ("" or "." for the work directory). At most max_entries (default ${DEFAULT_MAX_ENTRIES}) are returned.`,
      inputSchema: {
        sandbox_claim_name: sandboxArg,
        namespace: namespaceArg,
        path: pathArg,
        timeout: timeoutArg(ctx, 'list the directory'),
        max_entries: z.number().int().positive().max(MAX_ENTRIES_LIMIT).optional(),
      },
      outputSchema: {
        entries: z.array(
          z.object({
            name: z.string(),
            size: z.number(),
            type: z.string(),
            mod_time: z.number().describe('POSIX timestamp in seconds.'),
          }),
        ),
        total_entries: z.number().int(),
        truncated: z.boolean(),
      },
    },
    (args, extra) =>
      guarded(async () => {
        const sandbox = ctx.session.get(args.sandbox_claim_name);
        const path = checkWorkPath(args.path);
        const all = await sandbox.files.list(path, {
          signal: callSignal(extra, timeoutMsOf(ctx, args.timeout)),
        });
        const max = args.max_entries ?? DEFAULT_MAX_ENTRIES;
        const entries = all.slice(0, max).map((entry) => ({
          name: entry.name,
          size: entry.size,
          type: entry.type,
          mod_time: Date.parse(entry.modifiedAt) / 1000,
        }));
        const truncated = all.length > max;
        const lines = entries.map(
          (e) => `${e.type === 'directory' ? 'd' : '-'} ${String(e.size).padStart(10)} ${e.name}`,
        );
        if (truncated) {
          lines.push(
            `[… ${all.length - max} more entries not shown; narrow the path or raise max_entries]`,
          );
        }
        return ok(lines.length > 0 ? lines.join('\n') : '(empty directory)', {
          entries,
          total_entries: all.length,
          truncated,
        });
      }),
  );

  server.registerTool(
    'file_exists',
    {
      title: 'File exists',
      description: 'Check whether a file or directory exists in a sandbox.',
      inputSchema: {
        sandbox_claim_name: sandboxArg,
        namespace: namespaceArg,
        path: pathArg,
        timeout: timeoutArg(ctx, 'check the path'),
      },
      outputSchema: { exists: z.boolean() },
    },
    (args, extra) =>
      guarded(async () => {
        const sandbox = ctx.session.get(args.sandbox_claim_name);
        const exists = await sandbox.files.exists(checkWorkPath(args.path), {
          signal: callSignal(extra, timeoutMsOf(ctx, args.timeout)),
        });
        return ok(exists ? `${args.path} exists.` : `${args.path} does not exist.`, { exists });
      }),
  );

  registerTextFileTools(server, ctx);
}

/** Text in and out for models: write_file, and read_file in bounded pages. */
function registerTextFileTools(server: McpServer, ctx: ToolContext): void {
  const { options } = ctx;
  const page = options.output;
  server.registerTool(
    'write_file',
    {
      title: 'Write text file',
      description: `Write UTF-8 text to a file in a sandbox (replacing it), creating parent directories. At most ${options.maxUploadBytes} bytes.`,
      inputSchema: { sandbox_claim_name: sandboxArg, path: pathArg, content: z.string() },
      outputSchema: { bytes_written: z.number().int(), path: z.string() },
    },
    (args, extra) =>
      guarded(async () => {
        const sandbox = ctx.session.get(args.sandbox_claim_name);
        const path = checkWorkPath(args.path);
        const bytes = decodeUpload(args.content, false, options.maxUploadBytes);
        const stat = await sandbox.files.write(path, bytes, {
          signal: callSignal(extra, options.defaultCommandTimeoutMs),
        });
        return ok(`Wrote ${bytes.length} bytes to ${stat.path}.`, {
          bytes_written: bytes.length,
          path: stat.path,
        });
      }),
  );

  server.registerTool(
    'read_file',
    {
      title: 'Read text file',
      description: `Read a text file from a sandbox, one page of at most ${page.maxBytes} bytes / ${page.maxLines} lines at a time; the result says where the next page starts.`,
      inputSchema: {
        sandbox_claim_name: sandboxArg,
        path: pathArg,
        offset: z
          .number()
          .int()
          .nonnegative()
          .optional()
          .describe('Byte offset to start at (default 0).'),
      },
      outputSchema: {
        content: z.string(),
        offset: z.number().int(),
        bytes_read: z.number().int(),
        total_bytes: z.number().int(),
        next_offset: z
          .number()
          .int()
          .nullable()
          .describe('Where the next page starts; null at the end.'),
      },
    },
    (args, extra) =>
      guarded(async () => {
        const sandbox = ctx.session.get(args.sandbox_claim_name);
        const path = checkWorkPath(args.path);
        const signal = callSignal(extra, options.defaultCommandTimeoutMs);
        const stat = await sandbox.files.stat(path, { signal });
        if (stat.type !== 'file') {
          throw new InvalidArgumentError(
            `${args.path} is a ${stat.type}, not a file; use list_files for directories.`,
          );
        }
        const offset = args.offset ?? 0;
        if (offset > stat.size) {
          throw new InvalidArgumentError(
            `offset ${offset} is past the end of ${args.path} (${stat.size} bytes).`,
          );
        }
        const length = Math.min(page.maxBytes, stat.size - offset);
        const raw =
          length === 0
            ? Buffer.alloc(0)
            : Buffer.from(
                await sandbox.files.read(path, {
                  format: 'bytes',
                  range: { offset, length },
                  signal,
                }),
              );
        const kept = cutPage(raw, page.maxLines, offset + raw.length < stat.size);
        const content = kept.toString('utf8');
        const end = offset + kept.length;
        const next = end < stat.size ? end : null;
        const note =
          next === null
            ? ''
            : `\n[… showing bytes ${offset}–${end} of ${stat.size}; call read_file with offset ${next} for the rest]`;
        return ok(content + note, {
          content,
          offset,
          bytes_read: kept.length,
          total_bytes: stat.size,
          next_offset: next,
        });
      }),
  );
}

/** A page ends at a line boundary (within `maxLines`) and never inside a UTF-8 character. */
function cutPage(raw: Buffer, maxLines: number, more: boolean): Buffer {
  let end = raw.length;
  let lines = 0;
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === 0x0a && ++lines === maxLines) {
      end = i + 1;
      break;
    }
  }
  if (more && end === raw.length) {
    const lastNewline = raw.lastIndexOf(0x0a, end - 1);
    if (lastNewline >= 0) end = lastNewline + 1;
    else end = completeCharacters(raw, end);
  }
  return raw.subarray(0, end);
}

/** The longest prefix of `raw[0, end)` that does not end inside a multi-byte UTF-8 character. */
function completeCharacters(raw: Buffer, end: number): number {
  let start = end - 1;
  while (start > 0 && (raw[start]! & 0xc0) === 0x80) start--;
  const lead = raw[start] ?? 0;
  const size = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return start + size > end ? start : end;
}
