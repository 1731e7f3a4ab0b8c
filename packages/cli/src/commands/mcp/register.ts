import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { addCreateFlags } from '../create-flags.js';
import type { McpFlags } from './mcp.js';

type Act = <A extends unknown[]>(
  fn: (...args: A) => Promise<number>,
) => (...args: A) => Promise<void>;

/** `corral mcp`: the flags here; the server (and the MCP SDK) load only when it runs. */
export function registerMcpCommand(program: Command, act: Act, ctx: CliContext): void {
  addCreateFlags(
    program
      .command('mcp')
      .description(
        'serve sandboxes as MCP tools to an agent (stdio; --http for Streamable HTTP); every sandbox it made is deleted when the client disconnects',
      ),
  )
    .option(
      '--allow-network-choice',
      'let the model pick a network policy in create_sandbox',
      false,
    )
    .option('--keep', 'keep sandboxes when the client disconnects or the server exits', false)
    .option('--max-sandboxes <n>', 'live sandboxes per client', '5')
    .option('--command-timeout <duration>', 'default command timeout', '60s')
    .option(
      '--max-command-timeout <duration>',
      'longest command timeout a model may ask for',
      '10m',
    )
    .option('--max-output <size>', 'output bytes per stream shown to the model', '16k')
    .option('--max-output-lines <n>', 'output lines per stream shown to the model', '400')
    .option('--max-upload <size>', 'largest file a model may upload or download', '8m')
    .option('--http', 'serve Streamable HTTP instead of stdio (token from CORRAL_MCP_TOKEN)', false)
    .option('--port <n>', 'HTTP port (with --http; 0 picks a free one)', '0')
    .option('--host <address>', 'HTTP address to listen on (with --http)', '127.0.0.1')
    .action(
      act(async (flags: McpFlags) => {
        const { mcpCommand } = await import('./mcp.js');
        return mcpCommand(flags, ctx);
      }),
    );
}
