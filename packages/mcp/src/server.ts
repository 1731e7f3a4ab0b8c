import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ResolvedMcpOptions } from './options.js';
import { registerSandboxesResource } from './resources.js';
import type { ClientSession } from './session.js';
import { registerCommandTools } from './tools/command-tools.js';
import type { ToolContext } from './tools/context.js';
import { registerFileTools } from './tools/file-tools.js';
import { registerSandboxTools } from './tools/sandbox-tools.js';
import { serverVersion } from './version.js';

/** The tool names, in the order they are listed (upstream's seven first). */
export const TOOL_NAMES = [
  'create_sandbox',
  'delete_sandbox',
  'execute_command',
  'upload_file',
  'download_file',
  'list_files',
  'file_exists',
  'run_command',
  'write_file',
  'read_file',
  'kill_sandbox',
] as const;

/** One MCP server per client session: the SDK's server speaks to one transport at a time. */
export function createSessionServer(
  options: ResolvedMcpOptions,
  session: ClientSession,
): McpServer {
  const server = new McpServer(
    { name: 'corral', title: 'Corral sandboxes', version: serverVersion() },
    {
      capabilities: { tools: {}, resources: {}, logging: {} },
      instructions:
        'Run commands and edit files in isolated Corral sandboxes. Create a sandbox with create_sandbox, pass its id as sandbox_claim_name to the other tools, and delete it when done. Paths are relative to the sandbox work directory.',
    },
  );
  const ctx: ToolContext = { session, options };
  registerSandboxTools(server, ctx);
  registerCommandTools(server, ctx);
  registerFileTools(server, ctx);
  registerSandboxesResource(server, ctx);
  return server;
}
