/**
 * The host half of the allow-list network mode: an HTTP proxy (CONNECT for TLS and any TCP, plus
 * absolute-URI plain HTTP) on a unix socket that only the sandbox can reach. It admits a request
 * only when the host name matches the allow-list, resolves the name itself and refuses names
 * that resolve to loopback/private/link-local addresses (DNS rebinding to host services), unless
 * the address came from the explicit `hosts` map (used by tests and for local mirrors).
 */
import { lookup } from 'node:dns/promises';
import http from 'node:http';
import { isIP, connect, type Socket } from 'node:net';
import { chmod, rm } from 'node:fs/promises';

export interface EgressProxyOptions {
  socketPath: string;
  /** Exact names or `*.example.com` (any subdomain, not the apex). */
  domains: readonly string[];
  /** Fixed name → IP answers, checked before DNS and exempt from the private-address rule. */
  hosts?: Readonly<Record<string, string>>;
}

export interface EgressProxy {
  socketPath: string;
  close(): Promise<void>;
}

export function domainAllowed(host: string, domains: readonly string[]): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return domains.some((pattern) => {
    const p = pattern.toLowerCase().replace(/\.$/, '');
    if (p.startsWith('*.')) return name.endsWith(p.slice(1)) && name.length > p.length - 1;
    return name === p;
  });
}

/** Addresses a sandbox must never reach through a public name. */
export function isPrivateAddress(address: string): boolean {
  if (isIP(address) === 4) {
    const [a = 0, b = 0] = address.split('.').map(Number);
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 100 && b >= 64 && b < 128) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b < 32) ||
      (a === 192 && b === 168) ||
      a >= 224
    );
  }
  const v6 = address.toLowerCase();
  if (v6.startsWith('::ffff:')) return isPrivateAddress(v6.slice(7));
  return (
    v6 === '::' ||
    v6 === '::1' ||
    v6.startsWith('fc') ||
    v6.startsWith('fd') ||
    v6.startsWith('fe8') ||
    v6.startsWith('ff')
  );
}

async function resolveAllowed(host: string, options: EgressProxyOptions): Promise<string> {
  if (!domainAllowed(host, options.domains))
    throw new ProxyRefusal(403, `${host} is not in the sandbox's network allow-list`);
  const fixed = options.hosts?.[host.toLowerCase()];
  if (fixed) return fixed;
  let address: string;
  try {
    address = isIP(host) ? host : (await lookup(host)).address;
  } catch {
    throw new ProxyRefusal(502, `cannot resolve ${host}`);
  }
  if (isPrivateAddress(address))
    throw new ProxyRefusal(403, `${host} resolves to a private address (${address})`);
  return address;
}

class ProxyRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function splitHostPort(authority: string, defaultPort: number): { host: string; port: number } {
  const match = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(authority);
  return { host: match?.[1] ?? authority, port: match?.[2] ? Number(match[2]) : defaultPort };
}

export async function startEgressProxy(options: EgressProxyOptions): Promise<EgressProxy> {
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    void (async () => {
      let url: URL;
      try {
        url = new URL(req.url ?? '');
      } catch {
        res.writeHead(400).end('corral egress proxy: absolute URL required\n');
        return;
      }
      if (url.protocol !== 'http:') {
        res.writeHead(400).end('corral egress proxy: only http:// without CONNECT\n');
        return;
      }
      try {
        const address = await resolveAllowed(url.hostname, options);
        const upstream = http.request(
          {
            host: address,
            port: url.port || 80,
            method: req.method,
            path: url.pathname + url.search,
            headers: { ...req.headers, host: url.host },
          },
          (up) => {
            res.writeHead(up.statusCode ?? 502, up.headers);
            up.pipe(res);
          },
        );
        upstream.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
        req.pipe(upstream);
      } catch (error) {
        const status = error instanceof ProxyRefusal ? error.status : 502;
        res.writeHead(status).end(`corral egress proxy: ${(error as Error).message}\n`);
      }
    })();
  });
  server.on('connect', (req: http.IncomingMessage, client: Socket, head: Buffer) => {
    client.on('error', () => client.destroy());
    const { host, port } = splitHostPort(req.url ?? '', 443);
    void resolveAllowed(host, options).then(
      (address) => {
        const upstream = connect(port, address, () => {
          client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
          if (head.length) upstream.write(head);
          upstream.pipe(client).pipe(upstream);
        });
        sockets.add(upstream);
        upstream.on('close', () => sockets.delete(upstream));
        upstream.on('error', () => {
          if (!client.writableEnded) client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
          client.destroy();
        });
      },
      (error: unknown) => {
        const status = error instanceof ProxyRefusal ? error.status : 502;
        client.end(
          `HTTP/1.1 ${status} Refused\r\ncontent-type: text/plain\r\n\r\ncorral egress proxy: ${(error as Error).message}\n`,
        );
      },
    );
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await rm(options.socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.socketPath, () => resolve());
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
