/**
 * The real `@corral/server` in this process, serving this package's built console, on port 0
 * with a temporary state dir. `stop()` checks nothing it made is left: no live sandbox.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type CorralServer, type ServerOptions } from '@corral/server';
import { consoleAssetsDir } from '@corral/console';

export interface ConsoleServer {
  server: CorralServer;
  url: string;
  token: string;
  stateDir: string;
  /** A JSON call to the API with the bearer token (for set-up and for checking what the UI did). */
  api<T>(path: string, init?: { method?: string; body?: unknown }): Promise<T>;
  stop(): Promise<void>;
}

export async function startConsoleServer(
  options: Omit<ServerOptions, 'stateDir'> = {},
): Promise<ConsoleServer> {
  const stateDir = await mkdtemp(join(tmpdir(), 'corral-console-'));
  // Local sandboxes run as their own uids and must traverse the state dir to their root.
  await chmod(stateDir, 0o711);
  const server = await startServer({
    stateDir,
    port: 0,
    staticDir: consoleAssetsDir(),
    ...options,
  });
  const api = async <T>(path: string, init: { method?: string; body?: unknown } = {}) => {
    const response = await fetch(`${server.url}/api/v1${path}`, {
      method: init.method ?? 'GET',
      headers: {
        authorization: `Bearer ${server.token}`,
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    if (!response.ok)
      throw new Error(
        `${init.method ?? 'GET'} ${path}: ${response.status} ${await response.text()}`,
      );
    return (response.status === 204 ? undefined : await response.json()) as T;
  };
  return {
    server,
    url: server.url,
    token: server.token,
    stateDir,
    api,
    async stop() {
      try {
        const left = await api<{ items: { id: string }[] }>('/sandboxes');
        for (const s of left.items) await api(`/sandboxes/${s.id}`, { method: 'DELETE' });
        if (left.items.length > 0)
          throw new Error(`sandboxes left behind: ${left.items.map((s) => s.id).join(', ')}`);
      } finally {
        await server.close();
        await rm(stateDir, { recursive: true, force: true });
      }
    },
  };
}
