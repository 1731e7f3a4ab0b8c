/**
 * The host half of the allow-list network mode: an HTTP proxy (CONNECT for TLS and any TCP, plus
 * absolute-URI plain HTTP) on a unix socket that only the sandbox can reach. It admits a request
 * only when the host name and port match the allow-list, resolves the name itself and refuses
 * names that resolve to loopback/private/link-local addresses or to one of this host's own
 * addresses (DNS rebinding to host services), unless the address came from the explicit `hosts`
 * map (used by tests and for local mirrors).
 *
 * Everything here is driven by bytes from untrusted code and runs inside the process that owns
 * every sandbox: no input may throw out of a handler. Each entry point validates first and
 * catches everything it calls; a failure answers 4xx/502 to that one client.
 */
import { lookup } from 'node:dns/promises';
import http from 'node:http';
import { connect, type Socket } from 'node:net';
import { chmod, rm } from 'node:fs/promises';
import { isForbiddenAddress } from './egress-addresses.js';
import { parseAllowEntry, type AllowEntry } from './egress-allow.js';
import { InvalidArgumentError } from '../errors.js';

/** Addresses a sandbox must never reach through a public name (see `isForbiddenAddress`). */
export function isPrivateAddress(address: string): boolean {
  return isForbiddenAddress(address) !== undefined;
}

export interface EgressProxyOptions {
  socketPath: string;
  /**
   * Exact names or `*.example.com` (any subdomain, not the apex), each optionally with
   * `:port`; an entry without a port allows 80 and 443.
   */
  domains: readonly string[];
  /** Fixed name → IP answers, checked before DNS and exempt from the forbidden-address rule. */
  hosts?: Readonly<Record<string, string>>;
  /** Concurrent client connections (each CONNECT tunnel costs two fds). Default 128. */
  maxConnections?: number;
  /** Time a client has to send a complete request head. Default 10 000. */
  headersTimeoutMs?: number;
}

export interface EgressProxy {
  socketPath: string;
  close(): Promise<void>;
}

const DEFAULT_MAX_CONNECTIONS = 128;
const HOST_NAME =
  /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.?$/i;

/** Whether `host` (a name, any port) matches one of the allow-list entries. */
export function domainAllowed(host: string, domains: readonly string[]): boolean {
  const entries = domains.map(parseAllowEntry);
  return entries.some((entry) => entry !== undefined && nameMatches(host, entry));
}

function nameMatches(host: string, entry: AllowEntry): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  const p = entry.pattern;
  if (p.startsWith('*.')) return name.endsWith(p.slice(1)) && name.length > p.length - 1;
  return name === p;
}

class ProxyRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** `host:port` / `[v6]:port` of a CONNECT line, strictly: anything else is a 400. */
export function parseAuthority(
  authority: string,
  defaultPort: number | undefined,
): { host: string; port: number } {
  const match = /^(?:\[([0-9a-f:.]+)\]|([^:[\]/@\s]+))(?::(\d{1,5}))?$/i.exec(authority);
  if (!match)
    throw new ProxyRefusal(400, `malformed authority ${JSON.stringify(authority.slice(0, 200))}`);
  const host = (match[1] ?? match[2])!;
  if (match[2] !== undefined && !HOST_NAME.test(host))
    throw new ProxyRefusal(400, `malformed host name ${JSON.stringify(host.slice(0, 200))}`);
  const portText = match[3];
  if (portText === undefined && defaultPort === undefined)
    throw new ProxyRefusal(400, 'CONNECT needs host:port');
  const port = portText === undefined ? defaultPort! : Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new ProxyRefusal(400, `port ${portText} is out of range (1-65535)`);
  return { host, port };
}

async function resolveAllowed(
  host: string,
  port: number,
  entries: readonly AllowEntry[],
  hosts: Readonly<Record<string, string>> | undefined,
): Promise<string> {
  const matching = entries.filter((e) => nameMatches(host, e));
  if (matching.length === 0)
    throw new ProxyRefusal(403, `${host} is not in the sandbox's network allow-list`);
  if (!matching.some((e) => e.ports.includes(port)))
    throw new ProxyRefusal(
      403,
      `port ${port} of ${host} is not allowed (allowed: ${[...new Set(matching.flatMap((e) => e.ports))].join(', ')}); add "${host}:${port}" to the allow-list`,
    );
  const fixed = hosts?.[host.toLowerCase()];
  if (fixed) return fixed;
  let address: string;
  try {
    address = (await lookup(host)).address;
  } catch {
    throw new ProxyRefusal(502, `cannot resolve ${host}`);
  }
  const reason = isForbiddenAddress(address);
  if (reason) throw new ProxyRefusal(403, `${host} resolves to ${reason} (${address})`);
  return address;
}

function refusalStatus(error: unknown): number {
  return error instanceof ProxyRefusal ? error.status : 502;
}

function refusalText(error: unknown): string {
  return `corral egress proxy: ${error instanceof Error ? error.message : String(error)}\n`;
}

/** Ends a raw client socket with a status line, never throwing. */
function endRaw(client: Socket, status: number, text: string): void {
  try {
    if (!client.destroyed && client.writable) {
      client.end(
        `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Error'}\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n${text}`,
      );
    }
  } catch {
    // the socket broke meanwhile
  }
  client.destroySoon?.();
}

function answer(res: http.ServerResponse, status: number, text: string): void {
  try {
    if (res.headersSent) res.destroy();
    else res.writeHead(status, { 'content-type': 'text/plain', connection: 'close' }).end(text);
  } catch {
    res.destroy();
  }
}

export async function startEgressProxy(options: EgressProxyOptions): Promise<EgressProxy> {
  const entries = options.domains.map((d) => {
    const entry = parseAllowEntry(d);
    if (!entry)
      throw new InvalidArgumentError(
        `invalid allow-list entry ${JSON.stringify(d)}; use a domain, *.domain or domain:port`,
      );
    return entry;
  });
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };

  const onRequest = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    req.socket.setTimeout(0);
    req.on('error', () => res.destroy());
    res.on('error', () => undefined);
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      return answer(res, 400, 'corral egress proxy: absolute URL required\n');
    }
    if (url.protocol !== 'http:')
      return answer(res, 400, 'corral egress proxy: only http:// without CONNECT\n');
    if (url.username || url.password)
      return answer(res, 400, 'corral egress proxy: credentials in the URL are not accepted\n');
    const { host, port } = parseAuthority(url.host, 80);
    const address = await resolveAllowed(host, port, entries, options.hosts);
    const upstream = http.request({
      host: address,
      port,
      method: req.method,
      path: url.pathname + url.search,
      headers: { ...req.headers, host: url.host },
    });
    upstream.on('socket', track);
    upstream.on('response', (up) => {
      try {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      } catch {
        up.destroy();
        answer(res, 502, 'corral egress proxy: invalid upstream answer\n');
      }
    });
    upstream.on('error', () => answer(res, 502, 'corral egress proxy: upstream failed\n'));
    req.pipe(upstream);
  };

  const onConnect = async (req: http.IncomingMessage, client: Socket, head: Buffer) => {
    const { host, port } = parseAuthority(req.url ?? '', undefined);
    const address = await resolveAllowed(host, port, entries, options.hosts);
    if (client.destroyed) return;
    const upstream = connect({ port, host: address });
    track(upstream);
    upstream.on('error', () => {
      endRaw(client, 502, 'corral egress proxy: upstream connection failed\n');
      client.destroy();
    });
    client.on('close', () => upstream.destroy());
    upstream.once('connect', () => {
      try {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (head.length) upstream.write(head);
        upstream.pipe(client).pipe(upstream);
      } catch {
        upstream.destroy();
        client.destroy();
      }
    });
  };

  const server = http.createServer(
    {
      maxHeaderSize: 16 * 1024,
      headersTimeout: options.headersTimeoutMs ?? 10_000,
      keepAliveTimeout: 5_000,
      requestTimeout: 0,
      // how often headersTimeout is enforced (Node's default is 30 s)
      connectionsCheckingInterval: Math.min(1000, options.headersTimeoutMs ?? 10_000),
    },
    (req, res) => {
      onRequest(req, res).catch((error: unknown) =>
        answer(res, refusalStatus(error), refusalText(error)),
      );
    },
  );
  server.maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  server.on('connect', (req: http.IncomingMessage, client: Socket, head: Buffer) => {
    client.setTimeout(0);
    client.on('error', () => client.destroy());
    onConnect(req, client, head).catch((error: unknown) =>
      endRaw(client, refusalStatus(error), refusalText(error)),
    );
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    endRaw(socket, status, 'corral egress proxy: malformed request\n');
    socket.destroy();
  });
  // Node's headersTimeout starts with the first byte; a client that sends nothing would hold
  // its connection (and an fd of the owner) forever
  const headersTimeoutMs = options.headersTimeoutMs ?? 10_000;
  server.on('connection', (socket: Socket) => {
    socket.on('error', () => socket.destroy());
    socket.setTimeout(headersTimeoutMs, () => socket.destroy());
    track(socket);
  });
  // never let a late server error (EMFILE on accept, ...) become an uncaught exception
  const onListenError = (error: Error) => void error;
  await rm(options.socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.socketPath, () => {
      server.off('error', reject);
      server.on('error', onListenError);
      resolve();
    });
  });
  // the sandbox runs under another uid; the socket sits in a directory only it and Corral reach
  await chmod(options.socketPath, 0o666);
  return {
    socketPath: options.socketPath,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(options.socketPath, { force: true });
    },
  };
}
