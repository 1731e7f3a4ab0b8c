import { tool } from 'ai';
import { z } from 'zod';
import type { Sandbox } from '@corral/sdk';
import {
  checkWorkPath,
  DEFAULT_OUTPUT_LIMITS,
  describeRun,
  runBounded,
  truncateText,
} from '@corral/sdk/tools';
import type { OutputLimits } from '@corral/sdk/tools';
import { compact } from '@corral/sdk';

export interface SandboxToolsOptions {
  /** Output and file text shown to the model. @default 16 KiB / 400 lines */
  limits?: OutputLimits;
  /** Command timeout when the model gives none. @default 60 000 */
  defaultTimeoutMs?: number;
  /** Longest timeout the model may ask for. @default 600 000 */
  maxTimeoutMs?: number;
  /** Largest file write_file accepts, in bytes. @default 8 MiB */
  maxWriteBytes?: number;
}

/**
 * AI SDK tools bound to one sandbox: `runCommand`, `readFile`, `writeFile`, `listFiles`. Everything
 * runs inside the sandbox; output is cut for the model with the cut stated; a path outside the
 * work directory is refused. Errors are thrown, which the AI SDK hands to the model as tool errors.
 */
export function sandboxTools(
  sandbox: Pick<Sandbox, 'commands' | 'files'>,
  options: SandboxToolsOptions = {},
) {
  const limits = options.limits ?? DEFAULT_OUTPUT_LIMITS;
  const defaultTimeoutMs = options.defaultTimeoutMs ?? 60_000;
  const maxTimeoutSeconds = Math.floor((options.maxTimeoutMs ?? 600_000) / 1000);
  const maxWriteBytes = options.maxWriteBytes ?? 8 * 1024 * 1024;
  return {
    runCommand: tool({
      description: `Run a shell command in the sandbox (working directory /work). Output is cut to ${limits.maxBytes} bytes / ${limits.maxLines} lines per stream, the cut stated.`,
      inputSchema: z.object({
        command: z.string().min(1).describe('Shell command, run with /bin/sh -c.'),
        timeoutSeconds: z.number().int().positive().max(maxTimeoutSeconds).optional(),
      }),
      execute: async ({ command, timeoutSeconds }, { abortSignal }) => {
        const timeoutMs = timeoutSeconds === undefined ? defaultTimeoutMs : timeoutSeconds * 1000;
        const result = await runBounded(
          sandbox.commands,
          command,
          compact({
            timeoutMs,
            limits,
            signal: abortSignal,
          }),
        );
        return {
          exitCode: result.exitCode,
          timedOut: result.timedOut,
          stdout: result.stdout.text,
          stderr: result.stderr.text,
          truncated: result.stdout.truncated || result.stderr.truncated,
          summary: describeRun(result, timeoutMs),
        };
      },
    }),
    readFile: tool({
      description: `Read a UTF-8 text file from the sandbox (cut to ${limits.maxBytes} bytes / ${limits.maxLines} lines, the cut stated).`,
      inputSchema: z.object({ path: z.string().describe('Path relative to the work directory.') }),
      execute: async ({ path }, { abortSignal }) => {
        const text = await sandbox.files.read(
          checkWorkPath(path),
          abortSignal ? { signal: abortSignal } : {},
        );
        const cut = truncateText(text, limits);
        return { path, content: cut.text, truncated: cut.truncated, totalBytes: cut.totalBytes };
      },
    }),
    writeFile: tool({
      description: `Write UTF-8 text to a file in the sandbox, creating parent directories (at most ${maxWriteBytes} bytes).`,
      inputSchema: z.object({ path: z.string(), content: z.string() }),
      execute: async ({ path, content }, { abortSignal }) => {
        const bytes = Buffer.byteLength(content);
        if (bytes > maxWriteBytes) {
          throw new Error(
            `The content is ${bytes} bytes; at most ${maxWriteBytes} may be written. Split it.`,
          );
        }
        const stat = await sandbox.files.write(
          checkWorkPath(path),
          content,
          abortSignal ? { signal: abortSignal } : {},
        );
        return { path: stat.path, bytesWritten: bytes };
      },
    }),
    listFiles: tool({
      description:
        'List a directory in the sandbox ("" for the work directory); at most 1000 entries.',
      inputSchema: z.object({ path: z.string().default('') }),
      execute: async ({ path }, { abortSignal }) => {
        const entries = await sandbox.files.list(
          checkWorkPath(path),
          abortSignal ? { signal: abortSignal } : {},
        );
        return {
          entries: entries
            .slice(0, 1000)
            .map((e) => ({ name: e.name, type: e.type, size: e.size })),
          totalEntries: entries.length,
          truncated: entries.length > 1000,
        };
      },
    }),
  };
}
