import type { Readable, Writable } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { createMcpHttpHandler } from './http-handler.js';
import type { McpHttpHandler, McpHttpHandlerOptions } from './http-handler.js';
import { resolveOptions } from './options.js';
import type { CorralMcpOptions, ResolvedMcpOptions } from './options.js';
import { ClientSession } from './session.js';
import { createSessionServer } from './server.js';

export interface StdioConnection {
  /** Resolves when the client has gone (stdin ended) and its sandboxes are deleted. */
  closed: Promise<void>;
  close(): Promise<void>;
}

/**
 * Corral's MCP server: one client session per connection, each with its own sandboxes. `close()`
 * (call it on exit) ends every session and deletes every sandbox the server made, unless `keep`.
 */
export class CorralMcpServer {
  readonly options: ResolvedMcpOptions;
  readonly #sessions = new Set<ClientSession>();
  #closed: Promise<void> | undefined;

  constructor(options: CorralMcpOptions) {
    this.options = resolveOptions(options);
  }

  /** A new client session with its MCP server; `end()` deletes its sandboxes. */
  openSession(id?: string): {
    session: ClientSession;
    server: McpServer;
    end: () => Promise<void>;
  } {
    if (this.#closed) throw new Error('The Corral MCP server is closed.');
    const session = new ClientSession(this.options, id);
    this.#sessions.add(session);
    const server = createSessionServer(this.options, session);
    let ended: Promise<void> | undefined;
    const end = (): Promise<void> =>
      (ended ??= (async () => {
        await session.close();
        this.#sessions.delete(session);
        await server.close().catch(() => {});
      })());
    return { session, server, end };
  }

  /** Serves one client over stdio; the session ends when `stdin` ends or the transport closes. */
  async connectStdio(
    stdin: Readable = process.stdin,
    stdout: Writable = process.stdout,
  ): Promise<StdioConnection> {
    const { server, end } = this.openSession();
    const transport = new StdioServerTransport(stdin, stdout);
    let finish!: () => void;
    const gone = new Promise<void>((resolve) => (finish = resolve));
    const closed = gone.then(end);
    transport.onclose = finish;
    // The SDK's stdio transport does not watch for the end of input: a client that exits or
    // closes the pipe is noticed here.
    const onEnd = (): void => void transport.close().finally(finish);
    stdin.once('end', onEnd);
    stdin.once('close', onEnd);
    await server.connect(transport);
    return {
      closed,
      close: async () => {
        stdin.off('end', onEnd);
        stdin.off('close', onEnd);
        await transport.close();
        finish();
        await closed;
      },
    };
  }

  /** The Streamable HTTP handler (bearer token, sessions), to mount on any `node:http` server. */
  httpHandler(options: McpHttpHandlerOptions): McpHttpHandler {
    return createMcpHttpHandler(this, options);
  }

  get sessionCount(): number {
    return this.#sessions.size;
  }

  /** Ends every session (deleting its sandboxes unless `keep`). Idempotent. */
  close(): Promise<void> {
    this.#closed ??= Promise.all([...this.#sessions].map((s) => s.close())).then(() => {
      this.#sessions.clear();
    });
    return this.#closed;
  }
}
