import { z } from 'zod';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { InvalidArgumentError, compact } from '@corral/sdk';
import type { NetworkOption } from '@corral/sdk';
import { NotAllowedError } from '../errors.js';
import { guarded, ok } from '../tool-result.js';
import type { ToolContext } from './context.js';
import { namespaceArg, sandboxArg } from './context.js';

const labelKey = z
  .string()
  .regex(
    /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/,
    'a label key such as "team" or "example.com/team"',
  )
  .refine((key) => !/^(corral\.dev|mcp\.corral\.dev|agents\.x-k8s\.io)\//.test(key), {
    message: 'corral.dev/, mcp.corral.dev/ and agents.x-k8s.io/ labels are reserved',
  });
const labelValue = z
  .string()
  .regex(/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/, 'a label value');

const networkArg = z
  .union([z.enum(['none', 'full']), z.object({ allow: z.array(z.string().min(1)).min(1) })])
  .optional()
  .describe(
    'Outbound network: "none" (loopback only), "full", or { allow: ["example.com", "*.example.org"] }.',
  );

/** `create_sandbox`, `delete_sandbox` (upstream's) and `kill_sandbox`. */
export function registerSandboxTools(server: McpServer, ctx: ToolContext): void {
  const { options } = ctx;
  const maxLifetimeSeconds = Math.floor(options.maxLifetimeMs / 1000);
  const createShape = {
    warmpool: z
      .string()
      .optional()
      .describe(
        'Accepted for compatibility with agent-sandbox clients; the operator chooses the pool.',
      ),
    namespace: namespaceArg,
    sandbox_ready_timeout: z
      .number()
      .int()
      .positive()
      .optional()
      .describe(
        `Seconds to wait for the sandbox to be ready (at most ${Math.floor(options.createTimeoutMs / 1000)}).`,
      ),
    labels: z
      .record(labelKey, labelValue)
      .optional()
      .describe('Additional labels for the sandbox.'),
    shutdown_after_seconds: z
      .number()
      .int()
      .positive()
      .optional()
      .describe(
        `Seconds after which the sandbox is deleted (default and maximum ${maxLifetimeSeconds}).`,
      ),
    pod_labels: z
      .record(z.string(), z.string())
      .optional()
      .describe('Accepted for compatibility; ignored.'),
    pod_annotations: z
      .record(z.string(), z.string())
      .optional()
      .describe('Accepted for compatibility; ignored.'),
    ...(options.allowNetworkChoice ? { network: networkArg } : {}),
  };
  server.registerTool(
    'create_sandbox',
    {
      title: 'Create sandbox',
      description: `Create a new isolated sandbox (${options.provider.name} provider). Commands and files in it never touch the host. It is deleted when this client disconnects or after its lifetime.`,
      inputSchema: createShape,
      outputSchema: {
        sandbox_claim_name: z
          .string()
          .describe('Id of the created sandbox; pass it to the other tools.'),
        namespace: z.string(),
        expires_at: z.string().describe('When the sandbox is deleted at the latest (RFC 3339).'),
      },
      annotations: { destructiveHint: false, openWorldHint: false },
    },
    (args, extra) =>
      guarded(async () => {
        const network = (args as { network?: NetworkOption }).network;
        if (network !== undefined && !options.allowNetworkChoice) {
          throw new NotAllowedError('The network policy is set by the server operator.');
        }
        const sandbox = await ctx.session.create({
          ...compact({ labels: args.labels }),
          ...(args.shutdown_after_seconds === undefined
            ? {}
            : { maxLifetimeMs: args.shutdown_after_seconds * 1000 }),
          ...(args.sandbox_ready_timeout === undefined
            ? {}
            : { timeoutMs: args.sandbox_ready_timeout * 1000 }),
          ...compact({ network }),
          signal: extra.signal,
        });
        const info = ctx.session.list().find((s) => s.id === sandbox.id);
        const ignored = (
          ['warmpool', 'namespace', 'pod_labels', 'pod_annotations'] as const
        ).filter((key) => args[key] !== undefined);
        const isolation = sandbox.cachedInfo.isolation;
        return ok(
          [
            `Created sandbox ${sandbox.id} (isolation ${isolation.level}, network ${isolation.network.mode}); it is deleted by ${info?.expiresAt ?? 'its lifetime'}.`,
            ...(ignored.length > 0
              ? [`Ignored ${ignored.join(', ')}: the server operator decides where sandboxes run.`]
              : []),
          ].join('\n'),
          {
            sandbox_claim_name: sandbox.id,
            namespace: options.namespace,
            expires_at: info?.expiresAt ?? '',
          },
        );
      }),
  );

  const deleteShape = { sandbox_claim_name: sandboxArg, namespace: namespaceArg };
  server.registerTool(
    'delete_sandbox',
    {
      title: 'Delete sandbox',
      description: 'Delete one of your sandboxes and everything in it.',
      inputSchema: deleteShape,
      annotations: { destructiveHint: true, idempotentHint: false },
    },
    (args) =>
      guarded(async () => {
        await ctx.session.delete(args.sandbox_claim_name);
        return ok(`Deleted sandbox ${args.sandbox_claim_name}.`);
      }),
  );
  server.registerTool(
    'kill_sandbox',
    {
      title: 'Kill sandbox',
      description:
        'Kill one of your sandboxes at once: every process in it is stopped and its files are removed (the same as delete_sandbox, under the name other sandbox servers use).',
      inputSchema: {
        sandbox_claim_name: sandboxArg.optional(),
        sandbox_id: sandboxArg.optional().describe('Same as sandbox_claim_name.'),
      },
      annotations: { destructiveHint: true },
    },
    (args) =>
      guarded(async () => {
        const id = args.sandbox_claim_name ?? args.sandbox_id;
        if (id === undefined) {
          throw new InvalidArgumentError(
            'Name the sandbox: pass sandbox_claim_name (or sandbox_id).',
          );
        }
        await ctx.session.delete(id);
        return ok(`Killed sandbox ${id}.`);
      }),
  );
}
