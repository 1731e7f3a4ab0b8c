import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { InvalidArgumentError } from '@corral/sdk';
import { CorralMcpServer, serveMcpHttp } from '@corral/mcp';
import type { CorralMcpOptions } from '@corral/mcp';
import type { CliContext } from '../../context.js';
import { withKubernetes } from '../../kube/provider.js';
import { parseDuration } from '../../parse/duration.js';
import { parsePositiveInteger } from '../../parse/number.js';
import { parseSize } from '../../parse/size.js';
import { toCreateOptions } from '../create-options.js';
import type { CreateFlags } from '../create-flags.js';

export interface McpFlags extends CreateFlags {
  allowNetworkChoice: boolean;
  keep: boolean;
  maxSandboxes: string;
  commandTimeout: string;
  maxCommandTimeout: string;
  maxOutput: string;
  maxOutputLines: string;
  maxUpload: string;
  http: boolean;
  port: string;
  host: string;
}

const DEFAULT_LIFETIME_MS = 60 * 60_000;

/**
 * `corral mcp`: serves until the client disconnects (stdio) or Ctrl-C/SIGTERM, then deletes every
 * sandbox it made (unless --keep). stdout carries only MCP messages; diagnostics go to stderr.
 */
export async function mcpCommand(flags: McpFlags, ctx: CliContext): Promise<number> {
  // Every flag is checked before anything starts.
  const { maxLifetimeMs, ...sandbox } = toCreateOptions(flags);
  if (sandbox.isolation === 'none') {
    throw new InvalidArgumentError(
      '--isolation none would run tool calls on the host; corral mcp refuses it. Use bubblewrap, unshare or gvisor.',
    );
  }
  const port = flags.port === '0' ? 0 : parsePositiveInteger(flags.port, '--port', '8080');
  const token = flags.http ? httpToken(ctx) : undefined;
  const log = (line: string): void => void ctx.stderr.write(`corral mcp: ${line}\n`);
  const settings: Omit<CorralMcpOptions, 'provider'> = {
    sandbox: {
      ...sandbox,
      labels: {
        ...sandbox.labels,
        ...(flags.provider === 'kubernetes' ? {} : { 'corral.dev/created-by': 'mcp' }),
      },
    },
    allowNetworkChoice: flags.allowNetworkChoice,
    keep: flags.keep,
    maxLifetimeMs: maxLifetimeMs ?? DEFAULT_LIFETIME_MS,
    maxSandboxesPerClient: parsePositiveInteger(flags.maxSandboxes, '--max-sandboxes', '5'),
    defaultCommandTimeoutMs: parseDuration(flags.commandTimeout, '--command-timeout'),
    maxCommandTimeoutMs: parseDuration(flags.maxCommandTimeout, '--max-command-timeout'),
    output: {
      maxBytes: parseSize(flags.maxOutput, '--max-output'),
      maxLines: parsePositiveInteger(flags.maxOutputLines, '--max-output-lines', '400'),
    },
    maxUploadBytes: parseSize(flags.maxUpload, '--max-upload'),
    maxDownloadBytes: parseSize(flags.maxUpload, '--max-upload'),
    log,
  };
  const kctx = withKubernetes(ctx, flags);
  const provider = await kctx.openProvider(
    flags.provider,
    sandbox.isolation === undefined ? {} : { isolation: sandbox.isolation },
  );
  let server: CorralMcpServer | undefined;
  try {
    server = new CorralMcpServer({ ...settings, provider });
    if (token !== undefined) {
      const serving = await serveMcpHttp(server, { token: token.value, port, host: flags.host });
      log(
        `Streamable HTTP on ${serving.url}${token.generated ? ` (bearer token: ${token.value})` : ''}`,
      );
      await aborted(ctx.signal);
      await serving.close();
    } else {
      const connection = await server.connectStdio(readable(ctx), writable(ctx));
      await Promise.race([connection.closed, aborted(ctx.signal)]);
      await connection.close();
    }
    return 0;
  } finally {
    await server?.close();
    await provider.close();
  }
}

function httpToken(ctx: CliContext): { value: string; generated: boolean } {
  const given = ctx.env.CORRAL_MCP_TOKEN;
  if (given !== undefined && given !== '') {
    if (given.length < 16) {
      throw new InvalidArgumentError(
        'CORRAL_MCP_TOKEN must be at least 16 characters; generate one with `openssl rand -hex 32`.',
      );
    }
    return { value: given, generated: false };
  }
  return { value: randomBytes(32).toString('hex'), generated: true };
}

function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) =>
    signal.addEventListener('abort', () => resolve(), { once: true }),
  );
}

function readable(ctx: CliContext): Readable {
  return ctx.stdin instanceof Readable ? ctx.stdin : Readable.from(ctx.stdin);
}

function writable(ctx: CliContext): Writable {
  if (ctx.stdout instanceof Writable) return ctx.stdout;
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      ctx.stdout.write(chunk);
      callback();
    },
  });
}
