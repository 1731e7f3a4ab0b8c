import { z } from 'zod';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { checkWorkPath, describeRun, runBounded } from '@corral/sdk/tools';
import type { BoundedRunResult } from '@corral/sdk/tools';
import { compact } from '@corral/sdk';
import { failed, guarded, ok } from '../tool-result.js';
import type { ToolContext } from './context.js';
import { namespaceArg, sandboxArg, timeoutArg, timeoutMsOf } from './context.js';

function structured(result: BoundedRunResult): Record<string, unknown> {
  return {
    exit_code: result.exitCode,
    stdout: result.stdout.text,
    stderr: result.stderr.text,
    timed_out: result.timedOut,
    truncated: result.stdout.truncated || result.stderr.truncated,
    duration_ms: result.durationMs,
  };
}

const outputSchema = {
  exit_code: z.number().int().nullable().describe('Exit code; null when killed by a signal.'),
  stdout: z.string(),
  stderr: z.string(),
  timed_out: z.boolean(),
  truncated: z.boolean().describe('Output was cut to the server limits; the text says how much.'),
  duration_ms: z.number(),
};

/** `execute_command` (upstream's) and `run_command` (argv or shell, cwd, progress). */
export function registerCommandTools(server: McpServer, ctx: ToolContext): void {
  const limits = ctx.options.output;
  const bounds = `Output is cut to ${limits.maxBytes} bytes / ${limits.maxLines} lines per stream (head and tail kept, the cut stated).`;
  server.registerTool(
    'execute_command',
    {
      title: 'Execute command',
      description: `Execute a shell command (/bin/sh -c) inside a sandbox and return its exit code and output. ${bounds}`,
      inputSchema: {
        sandbox_claim_name: sandboxArg,
        namespace: namespaceArg,
        command: z.string().min(1).describe('Shell command to execute inside the sandbox.'),
        timeout: timeoutArg(ctx, 'run the command'),
      },
      outputSchema,
    },
    (args, extra) =>
      guarded(async () => {
        const sandbox = ctx.session.get(args.sandbox_claim_name);
        const timeoutMs = timeoutMsOf(ctx, args.timeout);
        const result = await runBounded(sandbox.commands, args.command, {
          timeoutMs,
          limits,
          signal: extra.signal,
        });
        const text = describeRun(result, timeoutMs);
        return result.timedOut
          ? failed(new Error(text), structured(result))
          : ok(text, structured(result));
      }),
  );

  server.registerTool(
    'run_command',
    {
      title: 'Run command',
      description: `Run a command inside a sandbox, streaming its output as progress notifications while it runs. Give "command" as a shell string or as an argv array. ${bounds}`,
      inputSchema: {
        sandbox_claim_name: sandboxArg,
        command: z
          .union([z.string().min(1), z.array(z.string()).min(1)])
          .describe('A shell command string, or an argv array such as ["python3", "main.py"].'),
        cwd: z.string().optional().describe('Working directory, relative to the work directory.'),
        env: z.record(z.string(), z.string()).optional().describe('Extra environment variables.'),
        timeout: timeoutArg(ctx, 'run the command'),
      },
      outputSchema,
    },
    (args, extra) =>
      guarded(async () => {
        const sandbox = ctx.session.get(args.sandbox_claim_name);
        const timeoutMs = timeoutMsOf(ctx, args.timeout);
        const token = extra._meta?.progressToken;
        let progress = 0;
        const result = await runBounded(sandbox.commands, args.command, {
          timeoutMs,
          limits,
          signal: extra.signal,
          ...(args.cwd === undefined ? {} : { cwd: checkWorkPath(args.cwd, 'cwd') }),
          ...compact({ env: args.env }),
          ...(token === undefined
            ? {}
            : {
                onOutput: async (stream, text) => {
                  progress += Buffer.byteLength(text);
                  await extra.sendNotification({
                    method: 'notifications/progress',
                    params: {
                      progressToken: token,
                      progress,
                      message: stream === 'stderr' ? `[stderr] ${text}` : text,
                    },
                  });
                },
              }),
        });
        const text = describeRun(result, timeoutMs);
        return result.timedOut
          ? failed(new Error(text), structured(result))
          : ok(text, structured(result));
      }),
  );
}
