import { z } from 'zod';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { InvalidArgumentError } from '@corral/sdk';
import { checkWorkPath } from '@corral/sdk/tools';
import { LimitExceededError } from '../errors.js';
import { guarded, ok } from '../tool-result.js';
import type { ToolContext } from './context.js';
import { namespaceArg, sandboxArg, timeoutArg, timeoutMsOf } from './context.js';
import { callSignal, decodeUpload, pathArg } from './file-tool-args.js';
import { registerTextFileTools } from './text-file-tools.js';

const DEFAULT_MAX_ENTRIES = 1000;
const MAX_ENTRIES_LIMIT = 10_000;

/** upstream's `upload_file`, `download_file`, `list_files`, `file_exists`; Corral's `write_file`, `read_file`. */
export function registerFileTools(server: McpServer, ctx: ToolContext): void {
  registerUploadFile(server, ctx);
  registerDownloadFile(server, ctx);
  registerListFiles(server, ctx);
  registerFileExists(server, ctx);
  registerTextFileTools(server, ctx);
}

/** upstream's `upload_file`: text, or base64 bytes, bounded by `maxUploadBytes`. */
function registerUploadFile(server: McpServer, ctx: ToolContext): void {
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
}

/** upstream's `download_file`: a whole file, bounded by `maxDownloadBytes`, refused when it is not UTF-8 text unless `binary`. */
function registerDownloadFile(server: McpServer, ctx: ToolContext): void {
  const { options } = ctx;
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
}

/** upstream's `list_files`: one directory, at most `max_entries` entries. */
function registerListFiles(server: McpServer, ctx: ToolContext): void {
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
}

/** upstream's `file_exists`. */
function registerFileExists(server: McpServer, ctx: ToolContext): void {
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
}
