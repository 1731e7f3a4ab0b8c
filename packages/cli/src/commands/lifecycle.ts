import { Sandbox } from '@corral/sdk';
import type { IsolationLevel, SandboxCreateOptions, SandboxProvider } from '@corral/sdk';
import type { CliContext } from '../context.js';
import type { Ui } from '../output/ui.js';
import { rmCommand } from './rm-hint.js';
import type { LocatingFlags } from './rm-hint.js';

/** Deleting must finish even when the command was interrupted, so it gets its own deadline. */
const CLEANUP_TIMEOUT_MS = 30_000;

/** Opens the named provider for the length of `fn` and closes it afterwards (sandboxes stay). */
export async function withProvider<T>(
  ctx: CliContext,
  name: string,
  fn: (provider: SandboxProvider) => Promise<T>,
  variant: { isolation?: IsolationLevel } = {},
): Promise<T> {
  const provider = await ctx.openProvider(name, variant);
  try {
    return await fn(provider);
  } finally {
    await provider.close();
  }
}

/** Creates a sandbox behind a spinner; the caller decides whether it outlives the command. */
export async function createSandbox(
  ctx: CliContext,
  ui: Ui,
  provider: SandboxProvider,
  options: Omit<SandboxCreateOptions, 'provider' | 'signal'>,
): Promise<Sandbox> {
  const spinner = ui.spin('Creating sandbox…');
  try {
    return await Sandbox.create({ ...options, provider, signal: ctx.signal });
  } finally {
    spinner.stop();
  }
}

/**
 * Runs `fn` with a fresh sandbox and deletes the sandbox afterwards, whether `fn` returned,
 * threw, or was interrupted by Ctrl-C.
 */
export async function withTemporarySandbox<T>(
  ctx: CliContext,
  ui: Ui,
  providerName: string,
  options: Omit<SandboxCreateOptions, 'provider' | 'signal'>,
  fn: (sandbox: Sandbox) => Promise<T>,
  locating: Omit<LocatingFlags, 'provider'> = {},
): Promise<T> {
  const variant = options.isolation === undefined ? {} : { isolation: options.isolation };
  return withProvider(
    ctx,
    providerName,
    async (provider) => {
      const sandbox = await createSandbox(ctx, ui, provider, options);
      let result: T;
      try {
        result = await fn(sandbox);
      } catch (error) {
        // The original failure is what the user must see; a failed cleanup is reported beside it.
        await sandbox
          .kill({ signal: AbortSignal.timeout(CLEANUP_TIMEOUT_MS) })
          .catch((killError: unknown) => {
            ctx.stderr.write(
              `Warning: could not remove sandbox ${sandbox.id}: ${killError instanceof Error ? killError.message : String(killError)}. Remove it with \`${rmCommand(sandbox.id, { provider: providerName, ...locating })}\`.\n`,
            );
          });
        throw error;
      }
      await sandbox.kill({ signal: AbortSignal.timeout(CLEANUP_TIMEOUT_MS) });
      return result;
    },
    variant,
  );
}
