import { z } from 'zod';
import type { ResolvedMcpOptions } from '../options.js';
import type { ClientSession } from '../session.js';

/** What every tool handler works with: the client's sandboxes and the operator's settings. */
export interface ToolContext {
  session: ClientSession;
  options: ResolvedMcpOptions;
}

/** Upstream names the sandbox by its claim; Corral's sandbox id goes in the same argument. */
export const sandboxArg = z
  .string()
  .min(1)
  .describe('Id of the target sandbox, as returned by create_sandbox.');

export const namespaceArg = z
  .string()
  .optional()
  .describe(
    'Accepted for compatibility with agent-sandbox clients; the server operator fixes where sandboxes run.',
  );

export function timeoutArg(ctx: ToolContext, what: string): z.ZodOptional<z.ZodNumber> {
  const maxSeconds = Math.floor(ctx.options.maxCommandTimeoutMs / 1000);
  return z
    .number()
    .int()
    .positive()
    .max(maxSeconds)
    .optional()
    .describe(
      `Time in seconds to ${what} before the timeout (default ${Math.round(ctx.options.defaultCommandTimeoutMs / 1000)}, at most ${maxSeconds}).`,
    );
}

export function timeoutMsOf(ctx: ToolContext, seconds: number | undefined): number {
  return seconds === undefined ? ctx.options.defaultCommandTimeoutMs : seconds * 1000;
}
