/**
 * A simulated sandbox-router: upstream's header contract (`X-Sandbox-ID`, `-Namespace`, `-Port`,
 * `-Pod-IP`; `/healthz`; JSON `{"detail"}` errors) in front of the fake's pods. Upstream's own
 * router cannot run here: it refuses loopback targets, and every pod IP of the fake is one
 * (decision 0008). It dials pods from its own address, which the fake network knows as a pod
 * `app: sandbox-router` in `agent-sandbox-system`, so NetworkPolicy sees the router, not Corral.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { GroupVersionResource, ObjectStore } from '../store/types.js';
import { listenExclusive } from './listen-exclusive.js';

const PODS: GroupVersionResource = { group: '', version: 'v1', resource: 'pods' };
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export interface SandboxRouter {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

function fail(res: ServerResponse, status: number, detail: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ detail }));
}

/** Listens on `host:port` (rejects with the listen error) and dials pods from `host`. */
export async function startSandboxRouter(options: {
  host: string;
  port: number;
  store: ObjectStore;
}): Promise<SandboxRouter> {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    if (req.url === '/healthz' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"ok"}');
      return;
    }
    const id = header(req, 'x-sandbox-id');
    if (id === undefined) return fail(res, 400, 'X-Sandbox-ID header is required.');
    if (!DNS_LABEL.test(id) || id.length > 63) return fail(res, 400, 'Invalid sandbox ID format.');
    const namespace = header(req, 'x-sandbox-namespace') ?? 'default';
    if (!DNS_LABEL.test(namespace)) return fail(res, 400, 'Invalid namespace format.');
    const port = Number(header(req, 'x-sandbox-port') ?? '8888');
    if (!Number.isInteger(port) || port < 1 || port > 65_535)
      return fail(res, 400, 'Invalid port format.');
    const ip =
      header(req, 'x-sandbox-pod-ip') ??
      (options.store.get(PODS, namespace, id)?.status as { podIP?: string } | undefined)?.podIP;
    if (ip === undefined || ip === '')
      return fail(res, 502, `Could not connect to the backend sandbox: ${id}`);
    const headers = { ...req.headers };
    for (const key of Object.keys(headers)) {
      if (key.startsWith('x-sandbox-') || key === 'host') delete headers[key];
    }
    const upstream = request(
      { host: ip, port, localAddress: options.host, method: req.method, path: req.url, headers },
      (answer) => {
        // the pod may die mid-answer ("aborted"): the client's connection goes with it
        answer.on('error', () => res.destroy());
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.once('error', () => {
      if (!res.headersSent) fail(res, 502, `Could not connect to the backend sandbox: ${id}`);
      else res.destroy();
    });
    res.once('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return listenExclusive(server, sockets, options);
}
