/** Text in and out for models: write_file, and read_file in bounded pages. */
import { z } from 'zod';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { InvalidArgumentError } from '@corral/sdk';
import { checkWorkPath } from '@corral/sdk/tools';
import { guarded, ok } from '../tool-result.js';
import type { ToolContext } from './context.js';
import { sandboxArg } from './context.js';
import { callSignal, decodeUpload, pathArg } from './file-tool-args.js';

export function registerTextFileTools(server: McpServer, ctx: ToolContext): void {
  registerWriteFile(server, ctx);
  registerReadFile(server, ctx);
}

/** `write_file`: UTF-8 text replacing the file, bounded by `maxUploadBytes`. */
function registerWriteFile(server: McpServer, ctx: ToolContext): void {
  const { options } = ctx;
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
}

/** `read_file`: one page of a text file, cut at a line or character boundary. */
function registerReadFile(server: McpServer, ctx: ToolContext): void {
  const { options } = ctx;
  const page = options.output;
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
