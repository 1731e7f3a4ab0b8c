import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ToolContext } from './tools/context.js';

/**
 * `sandboxes://{namespace}` (upstream's URI): this client's live sandboxes as JSON. Only the
 * client's own are listed, as upstream filters by its session label.
 */
export function registerSandboxesResource(server: McpServer, ctx: ToolContext): void {
  const uri = `sandboxes://${ctx.options.namespace}`;
  server.registerResource(
    'sandboxes',
    new ResourceTemplate('sandboxes://{namespace}', {
      list: () => ({
        resources: [
          {
            uri,
            name: `sandboxes in ${ctx.options.namespace}`,
            mimeType: 'application/json',
            description: 'Live sandboxes this client created, with their expiry.',
          },
        ],
      }),
    }),
    {
      title: 'Live sandboxes',
      description: 'The sandboxes this client created and that still exist.',
      mimeType: 'application/json',
    },
    (requested, variables) => {
      const namespace = String(variables.namespace);
      const sandboxes = namespace === ctx.options.namespace ? ctx.session.list() : [];
      return {
        contents: [
          {
            uri: requested.href,
            mimeType: 'application/json',
            text: JSON.stringify({ namespace, sandboxes }, null, 2),
          },
        ],
      };
    },
  );
}
