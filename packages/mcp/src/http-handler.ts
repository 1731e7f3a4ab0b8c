import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ResolvedMcpOptions } from './options.js';
import { InvalidServerOptionsError } from './errors.js';

export interface McpHttpHandlerOptions {
  /** Every request must carry `Authorization: Bearer <token>`. At least 16 characters. */
  token: string;
  /** The URL path served. @default '/mcp' */
  path?: string;
  /** A session with no request in flight for this long ends (its sandboxes deleted). @default 30 min */
  idleTimeoutMs?: number;
  /** Concurrent client sessions. @default 16 */
  maxSessions?: number;
}

/** Mountable on any `node:http` server (`corral mcp --http` now, a future `corral serve`). */
export interface McpHttpHandler {
  /** Answers the request if it is for `path`; returns false (untouched) otherwise. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  readonly sessionCount: number;
  /** Ends every HTTP session and deletes its sandboxes (unless the server keeps them). */
  close(): Promise<void>;
}

/** What the handler needs from `CorralMcpServer` (kept narrow so either can change alone). */
export interface McpSessionSource {
  readonly options: ResolvedMcpOptions;
  openSession(id: string): { server: McpServer; end: () => Promise<void> };
}

interface HttpSession {
  transport: StreamableHTTPServerTransport;
  end: () => Promise<void>;
  inFlight: number;
  idle: NodeJS.Timeout | undefined;
}

const MIN_TOKEN_LENGTH = 16;

export function createMcpHttpHandler(
  mcp: McpSessionSource,
  options: McpHttpHandlerOptions,
): McpHttpHandler {
  if (typeof options.token !== 'string' || options.token.length < MIN_TOKEN_LENGTH) {
    throw new InvalidServerOptionsError(
      `The MCP HTTP bearer token must be at least ${MIN_TOKEN_LENGTH} characters; generate one with \`openssl rand -hex 32\`.`,
    );
  }
  const path = options.path ?? '/mcp';
  const idleTimeoutMs = options.idleTimeoutMs ?? 30 * 60_000;
  const maxSessions = options.maxSessions ?? 16;
  // Base64 uploads are a third larger than the file; JSON-RPC framing adds a little.
  const maxBodyBytes = Math.ceil((mcp.options.maxUploadBytes * 4) / 3) + 64 * 1024;
  const expected = Buffer.from(`Bearer ${options.token}`);
  const sessions = new Map<string, HttpSession>();

  const authorized = (req: IncomingMessage): boolean => {
    const given = Buffer.from(req.headers.authorization ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };

  const endSession = async (id: string, closeTransport = true): Promise<void> => {
    const session = sessions.get(id);
    if (!session) return;
    sessions.delete(id);
    clearTimeout(session.idle);
    if (closeTransport) await session.transport.close().catch(() => {});
    await session.end();
  };

  const track = (id: string, session: HttpSession, res: ServerResponse): void => {
    session.inFlight++;
    clearTimeout(session.idle);
    res.once('close', () => {
      session.inFlight--;
      if (session.inFlight === 0 && sessions.get(id) === session) {
        session.idle = setTimeout(() => void endSession(id), idleTimeoutMs);
        session.idle.unref();
      }
    });
  };

  const open = async (req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> => {
    if (sessions.size >= maxSessions) {
      return jsonError(
        res,
        503,
        `This server holds ${maxSessions} sessions already; close one (DELETE) or try later.`,
      );
    }
    const id = randomUUID();
    const { server, end } = mcp.openSession(id);
    const session: HttpSession = {
      transport: new StreamableHTTPServerTransport({
        sessionIdGenerator: () => id,
        // Awaited by the SDK before it answers the DELETE: the client sees its sandboxes gone.
        // The SDK closes the transport itself afterwards.
        onsessionclosed: (closed) => endSession(closed, false),
      }),
      end,
      inFlight: 0,
      idle: undefined,
    };
    session.transport.onclose = () => void endSession(id);
    sessions.set(id, session);
    track(id, session, res);
    await server.connect(session.transport);
    await session.transport.handleRequest(req, res, body);
  };

  return {
    async handle(req, res) {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname !== path) return false;
      if (!authorized(req)) {
        res.setHeader('www-authenticate', 'Bearer');
        jsonError(res, 401, 'Missing or wrong bearer token: send Authorization: Bearer <token>.');
        return true;
      }
      let body: unknown;
      if (req.method === 'POST') {
        const read = await readJson(req, maxBodyBytes);
        if (!read.ok) {
          jsonError(res, read.status, read.message);
          return true;
        }
        body = read.value;
      }
      const sessionId = req.headers['mcp-session-id'];
      if (typeof sessionId === 'string') {
        const session = sessions.get(sessionId);
        if (!session) {
          jsonError(
            res,
            404,
            `Session ${sessionId} does not exist (ended or expired); initialize a new one.`,
          );
          return true;
        }
        track(sessionId, session, res);
        await session.transport.handleRequest(req, res, body);
        return true;
      }
      if (req.method === 'POST' && isInitialize(body)) {
        await open(req, res, body);
        return true;
      }
      jsonError(res, 400, 'No mcp-session-id header: start with an initialize request.');
      return true;
    },
    get sessionCount() {
      return sessions.size;
    },
    async close() {
      await Promise.all([...sessions.keys()].map((id) => endSession(id)));
    },
  };
}

function isInitialize(body: unknown): boolean {
  return Array.isArray(body) ? body.some((m) => isInitializeRequest(m)) : isInitializeRequest(body);
}

type ReadResult = { ok: true; value: unknown } | { ok: false; status: number; message: string };

async function readJson(req: IncomingMessage, maxBytes: number): Promise<ReadResult> {
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  const tooLarge: ReadResult = {
    ok: false,
    status: 413,
    message: `Request body over ${maxBytes} bytes; this server's upload limit is lower than that file.`,
  };
  if (declared > maxBytes) return tooLarge;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      req.destroy();
      return tooLarge;
    }
    chunks.push(chunk);
  }
  try {
    return { ok: true, value: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
  } catch {
    return {
      ok: false,
      status: 400,
      message: 'Request body is not valid JSON (JSON-RPC expected).',
    };
  }
}

function jsonError(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
}
