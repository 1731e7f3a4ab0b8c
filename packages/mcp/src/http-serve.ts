import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CorralMcpServer } from './corral-mcp.js';
import type { McpHttpHandlerOptions } from './http-handler.js';

export interface ServeHttpOptions extends McpHttpHandlerOptions {
  /** @default 0 (any free port) */
  port?: number;
  /** @default '127.0.0.1': reachable from this machine only unless the operator says otherwise. */
  host?: string;
  signal?: AbortSignal;
}

export interface HttpServing {
  url: string;
  /** Stops listening, ends every session and deletes its sandboxes (unless kept). */
  close(): Promise<void>;
}

/** A standalone Streamable HTTP endpoint for `corral mcp --http`. */
export async function serveMcpHttp(
  mcp: CorralMcpServer,
  options: ServeHttpOptions,
): Promise<HttpServing> {
  const handler = mcp.httpHandler(options);
  const server = createServer((req, res) => {
    handler
      .handle(req, res)
      .then((handled) => {
        if (!handled) {
          res.writeHead(404, { 'content-type': 'text/plain' });
          res.end(`Not found; the MCP endpoint is ${options.path ?? '/mcp'}\n`);
        }
      })
      .catch((error: unknown) => {
        mcp.options.log(
          `HTTP request failed: ${error instanceof Error ? error.message : String(error)}`,
        );
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closed ??= (async () => {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      await handler.close();
      server.closeAllConnections();
      await stopped;
    })());
  options.signal?.addEventListener('abort', () => void close(), { once: true });
  return { url: `http://${host}:${address.port}${options.path ?? '/mcp'}`, close };
}
