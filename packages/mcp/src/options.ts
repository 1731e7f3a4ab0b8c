import { z } from 'zod';
import type { SandboxCreateOptions, SandboxProvider } from '@corral/sdk';
import { DEFAULT_OUTPUT_LIMITS } from '@corral/sdk/tools';
import type { OutputLimits } from '@corral/sdk/tools';
import { InvalidServerOptionsError } from './errors.js';

/** What the operator fixes for every sandbox; the model never sets these. */
export type SandboxDefaults = Omit<
  SandboxCreateOptions,
  'provider' | 'signal' | 'timeoutMs' | 'maxLifetimeMs'
>;

export interface CorralMcpOptions {
  /** Where sandboxes are made. The caller opens it and closes it after the server. */
  provider: SandboxProvider;
  /** Network, limits, isolation, env, labels, Kubernetes placement of every sandbox. */
  sandbox?: SandboxDefaults;
  /** Lets `create_sandbox` take a `network` argument. @default false */
  allowNetworkChoice?: boolean;
  /** Leave sandboxes running when their client disconnects or the server exits. @default false */
  keep?: boolean;
  /** Every sandbox is deleted this long after its creation, whatever the model asks. @default 1 h */
  maxLifetimeMs?: number;
  /** Live sandboxes one client may hold at once. @default 5 */
  maxSandboxesPerClient?: number;
  /** Budget of one `create_sandbox`. @default 180 000 (upstream's default ready timeout) */
  createTimeoutMs?: number;
  /** Command timeout when the model names none. @default 60 000 */
  defaultCommandTimeoutMs?: number;
  /** Longest command timeout a model may ask for. @default 600 000 */
  maxCommandTimeoutMs?: number;
  /** Bounds on command output and `read_file` text shown to the model. */
  output?: OutputLimits;
  /** Largest file `upload_file`/`write_file` accept, in bytes (decoded). @default 8 MiB */
  maxUploadBytes?: number;
  /** Largest file `download_file` returns, in bytes. @default 8 MiB */
  maxDownloadBytes?: number;
  /** Shown as `namespace` in results and in the resource URI (upstream shape). @default provider name */
  namespace?: string;
  /** Called with diagnostics (never on stdout: that is the stdio transport). */
  log?: (line: string) => void;
}

export interface ResolvedMcpOptions extends Required<Omit<CorralMcpOptions, 'sandbox' | 'log'>> {
  sandbox: SandboxDefaults;
  log: (line: string) => void;
}

const positiveInt = z.number().int().positive();
const limitsSchema = z.object({ maxBytes: positiveInt, maxLines: positiveInt });
const numbers = z.object({
  maxLifetimeMs: positiveInt,
  maxSandboxesPerClient: positiveInt,
  createTimeoutMs: positiveInt,
  defaultCommandTimeoutMs: positiveInt,
  maxCommandTimeoutMs: positiveInt,
  maxUploadBytes: positiveInt,
  maxDownloadBytes: positiveInt,
  output: limitsSchema,
});

export function resolveOptions(options: CorralMcpOptions): ResolvedMcpOptions {
  if (options.sandbox?.isolation === 'none') {
    throw new InvalidServerOptionsError(
      'isolation "none" would run tool calls on the host; the MCP server refuses it. Use bubblewrap, unshare or gvisor.',
    );
  }
  const resolved: ResolvedMcpOptions = {
    provider: options.provider,
    sandbox: options.sandbox ?? {},
    allowNetworkChoice: options.allowNetworkChoice ?? false,
    keep: options.keep ?? false,
    maxLifetimeMs: options.maxLifetimeMs ?? 60 * 60_000,
    maxSandboxesPerClient: options.maxSandboxesPerClient ?? 5,
    createTimeoutMs: options.createTimeoutMs ?? 180_000,
    defaultCommandTimeoutMs: options.defaultCommandTimeoutMs ?? 60_000,
    maxCommandTimeoutMs: options.maxCommandTimeoutMs ?? 600_000,
    output: options.output ?? { ...DEFAULT_OUTPUT_LIMITS },
    maxUploadBytes: options.maxUploadBytes ?? 8 * 1024 * 1024,
    maxDownloadBytes: options.maxDownloadBytes ?? 8 * 1024 * 1024,
    namespace: options.namespace ?? options.provider.name,
    log: options.log ?? (() => {}),
  };
  const checked = numbers.safeParse(resolved);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new InvalidServerOptionsError(
      `MCP server option ${issue?.path.join('.') ?? '?'} is invalid: ${issue?.message ?? 'unknown'}; use a positive integer.`,
    );
  }
  if (resolved.defaultCommandTimeoutMs > resolved.maxCommandTimeoutMs) {
    throw new InvalidServerOptionsError(
      `defaultCommandTimeoutMs (${resolved.defaultCommandTimeoutMs}) exceeds maxCommandTimeoutMs (${resolved.maxCommandTimeoutMs}); lower the default or raise the maximum.`,
    );
  }
  return resolved;
}
