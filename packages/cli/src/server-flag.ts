/**
 * `--server <url>`: the command's sandboxes are those of a `corral serve` there. It selects the
 * SDK's server provider for any command that takes `--provider`, so sandboxes outlive the CLI
 * with no keeper process (the server owns them). The token comes from `CORRAL_SERVER_TOKEN`, else
 * from this machine's server state (`<state-dir>/server/server-token`, where `corral serve` keeps it).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { SandboxProvider } from '@corral/sdk';

export async function useServer(url: string, action: Command): Promise<void> {
  const { InvalidArgumentError } = await import('@corral/sdk');
  if (action.name() === 'doctor')
    throw new InvalidArgumentError(
      "--server: `corral doctor` checks this machine or a cluster, not a server; use the console's Settings → Test connection, or run `corral doctor` on the server's machine",
    );
  if (!action.options.some((o) => o.attributeName() === 'provider'))
    throw new InvalidArgumentError(
      `--server applies to commands that take --provider (run, sandbox …); \`corral ${action.name()}\` does not use one: drop --server`,
    );
  const chosen = action.getOptionValue('provider') as string | undefined;
  if (action.getOptionValueSource('provider') === 'cli' && chosen !== 'server')
    throw new InvalidArgumentError(
      `--server ${url} and --provider ${chosen} disagree: pass one of them (--server means the server's sandboxes)`,
    );
  action.setOptionValue('provider', 'server');
  // hints repeat the flags that found a sandbox (rm-hint.ts)
  action.setOptionValue('server', url);
  // one command per process: the provider this command opens reads it (as an exported
  // CORRAL_SERVER_URL would be), and so does a keeper-less create
  process.env.CORRAL_SERVER_URL = url;
}

export async function openServerProvider(env: NodeJS.ProcessEnv): Promise<SandboxProvider> {
  const { createServerProvider, defaultStateDir, InvalidArgumentError } =
    await import('@corral/sdk');
  const url = env.CORRAL_SERVER_URL;
  if (!url)
    throw new InvalidArgumentError(
      '--provider server needs the server: pass --server <url> (what `corral serve` printed) or set CORRAL_SERVER_URL',
    );
  let token = env.CORRAL_SERVER_TOKEN;
  if (!token) {
    const file = join(defaultStateDir(env), 'server', 'server-token');
    token = await readFile(file, 'utf8').then(
      (text) => text.trim(),
      () => undefined,
    );
    if (!token)
      throw new InvalidArgumentError(
        `no token for the server at ${url}: set CORRAL_SERVER_TOKEN to the token \`corral serve\` printed (${file} does not exist on this machine)`,
      );
  }
  return createServerProvider({ url, token });
}
