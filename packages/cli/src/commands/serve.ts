/**
 * `corral serve`: the API server and the console in one process (packages/server). The token is
 * made on first start and kept in `<state-dir>/server-token` (0600); the console URL carrying it
 * is printed on every start. SIGINT/SIGTERM stop it gracefully (see docs/server.md).
 */
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError, defaultStateDir } from '@corral/sdk';
import type { CliContext } from '../context.js';
import { streamDoctorChecks } from './doctor/stream-checks.js';
import { kubernetesWarmPools } from './serve-warm-pools.js';

export interface ServeFlags {
  host: string;
  port: string;
  stateDir?: string;
}

/** The console's built files from `@corral/console`, when that package is installed. */
export function consoleStaticDir(): string | undefined {
  try {
    const pkg = fileURLToPath(import.meta.resolve('@corral/console/package.json'));
    const dir = join(dirname(pkg), 'dist', 'web');
    return existsSync(join(dir, 'index.html')) ? dir : undefined;
  } catch {
    return undefined;
  }
}

function parsePort(raw: string): number {
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidArgumentError(
      `--port ${JSON.stringify(raw)} is not a port; use 0-65535 (0 picks a free one)`,
    );
  return port;
}

export async function serveCommand(flags: ServeFlags, ctx: CliContext): Promise<number> {
  const port = parsePort(flags.port);
  const { isLoopback, startServer, tokenFile } = await import('@corral/server');
  const stateDir = flags.stateDir ?? join(defaultStateDir(ctx.env), 'server');
  const staticDir = consoleStaticDir();
  const server = await startServer({
    stateDir,
    host: flags.host,
    port,
    env: { ...ctx.env },
    connectionChecks: streamDoctorChecks(ctx.env),
    warmPools: kubernetesWarmPools(ctx.env),
    ...(staticDir ? { staticDir } : {}),
    logger: (line) => void ctx.stderr.write(`${line}\n`),
  });
  const out = (line: string) => void ctx.stdout.write(`${line}\n`);
  out(`Corral server on ${server.url} (state: ${stateDir})`);
  if (!isLoopback(flags.host))
    out(
      `Listening on ${flags.host}, beyond this machine: every request needs the token (Authorization: Bearer, or the cookie the URL below sets).`,
    );
  out(
    staticDir
      ? `Console: ${server.url}/?token=${server.token}`
      : `API: ${server.url}/api/v1 (token below; @corral/console is not installed, so no console)`,
  );
  out(
    `Token${server.tokenCreated ? ' (new)' : ''}: ${server.token}  (kept in ${tokenFile(stateDir)})`,
  );
  const { adopted, cleaned, failedTasks, resumedTasks } = server.recovered;
  if (adopted.length || cleaned.length || failedTasks.length || resumedTasks.length)
    out(
      `Recovered: ${adopted.length} sandbox(es) adopted, ${cleaned.length} cleaned up, ${failedTasks.length} interrupted task(s) marked failed, ${resumedTasks.length} plan(s) awaiting approval resumed`,
    );
  await new Promise<void>((resolve) => {
    if (ctx.signal.aborted) resolve();
    ctx.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  ctx.stderr.write(
    `Stopping (${String(ctx.signal.reason)}): cancelling runs, removing local sandboxes…\n`,
  );
  await server.close();
  return 0;
}
