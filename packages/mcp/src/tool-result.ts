import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { compact } from '@corral/sdk';

/** A successful result: human-readable text plus, for tools with an output schema, the data. */
export function ok(text: string, structured?: Record<string, unknown>): CallToolResult {
  return {
    content: [{ type: 'text', text }],
    ...compact({ structuredContent: structured }),
  };
}

/** A failed tool call the model can read and act on: `CODE: message`. */
export function failed(error: unknown, structured?: Record<string, unknown>): CallToolResult {
  return {
    isError: true,
    content: [{ type: 'text', text: describeError(error) }],
    ...compact({ structuredContent: structured }),
  };
}

export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

/**
 * Runs a tool body; anything it throws becomes an `isError` result, never a failed request or a
 * crash of the server.
 */
export async function guarded(body: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await body();
  } catch (error) {
    return failed(error);
  }
}
