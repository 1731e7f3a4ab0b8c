/**
 * `…/pods/{name}/portforward` in the three forms the API server serves:
 * - kubectl's default since 1.31: a WebSocket with subprotocol `SPDY/3.1+portforward.k8s.io`
 *   that tunnels SPDY, ports in the SPDY stream headers (`pod-portforward-spdy.ts`);
 * - kubectl's fallback (and older kubectl): `Upgrade: SPDY/3.1`, the same SPDY protocol on the
 *   raw connection;
 * - `?ports=N` as a channel WebSocket (`v4.channel.k8s.io`, or the kubelet's
 *   `portforward.k8s.io`), client-node's form: one TCP connection to `<podIP>:N` per WebSocket.
 *   For the i-th port, channel 2i carries data and 2i+1 errors; the server's first frame on each
 *   is the port as 2 bytes little-endian. Either side closing ends the other.
 */
import type { IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { badRequest } from '../store/status-error.js';
import type { ApiServer } from './api-server.js';
import { acceptUpgrade, frame, negotiate, V4 } from './channel-protocol.js';
import { requireRunning, resolvePodTarget, type PodProcessLookup } from './pod-target.js';
import {
  PORT_FORWARD_V1,
  PortForwardSpdySession,
  type PortForwardTarget,
} from './pod-portforward-spdy.js';
import { takeUpgrade, type PendingUpgrade } from './upgrade.js';

/** The WebSocket subprotocol prefix of a SPDY tunnel (apimachinery's `WebsocketsSPDYTunnelingPrefix`). */
const SPDY_TUNNEL = `SPDY/3.1+${PORT_FORWARD_V1}`;
const PORT_FORWARD_PROTOCOLS = [SPDY_TUNNEL, V4, PORT_FORWARD_V1];

function parsePorts(url: URL): number[] {
  const raw = url.searchParams
    .getAll('ports')
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
  if (raw.length === 0) throw badRequest('at least one port must be specified');
  return raw.map((v) => {
    const port = Number(v);
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw badRequest(`invalid port "${v}": must be an integer from 1 to 65535`);
    return port;
  });
}

function portPrefix(port: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(port, 0);
  return b;
}

function bridge(ws: WebSocket, podIP: string, ports: readonly number[], podName: string): void {
  const send = (channel: number, data?: Buffer | string): void => {
    if (ws.readyState === ws.OPEN) ws.send(frame(channel, data));
  };
  const sockets: Socket[] = [];
  let open = ports.length;
  ports.forEach((port, i) => {
    send(2 * i, portPrefix(port));
    send(2 * i + 1, portPrefix(port));
    // from the pod's own address: port-forward enters the pod's network namespace, where no
    // NetworkPolicy applies (the fake network admits a pod's own IP)
    const socket = connect({ host: podIP, port, localAddress: podIP });
    sockets[i] = socket;
    socket.on('data', (data: Buffer) => send(2 * i, data));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      send(
        2 * i + 1,
        `error forwarding port ${port} to pod ${podName}: failed to connect to ${podIP}:${port}: ${err.code ?? err.message}`,
      );
    });
    socket.on('close', () => {
      open--;
      // one connection per WebSocket: when the pod side is done, so is the stream
      if (open === 0 && ws.readyState === ws.OPEN) ws.close(1000);
    });
  });
  ws.on('message', (raw: Buffer | ArrayBuffer | Buffer[]) => {
    const data = Buffer.isBuffer(raw)
      ? raw
      : Array.isArray(raw)
        ? Buffer.concat(raw)
        : Buffer.from(raw);
    const channel = data[0];
    if (channel === undefined || channel % 2 !== 0) return;
    const socket = sockets[channel / 2];
    if (socket !== undefined && !socket.destroyed && data.length > 1)
      socket.write(data.subarray(1));
  });
  ws.on('close', () => {
    for (const socket of sockets) socket.end();
  });
  ws.on('error', () => undefined);
}

export function registerPodPortForward(
  api: ApiServer,
  options: { lookup?: PodProcessLookup } = {},
): void {
  api.registerSubresource('pods', 'portforward', async (ctx) => {
    const { req, url, record } = ctx;
    if (req.method !== 'GET' && req.method !== 'POST')
      throw badRequest('only GET and POST are supported on pods/portforward');
    const target = resolvePodTarget(ctx, options.lookup, { perContainer: false });
    const spdy = (req.headers.upgrade ?? '').toLowerCase() === 'spdy/3.1';
    // only the channel WebSocket carries its ports in the URL; SPDY opens a stream per port
    const protocol = spdy ? undefined : negotiate(req, PORT_FORWARD_PROTOCOLS);
    const ports = protocol === undefined || protocol === SPDY_TUNNEL ? [] : parsePorts(url);
    const process = requireRunning(target, 'port-forward');
    const upgrade = takeUpgrade(req);
    if (upgrade === undefined) throw badRequest('Upgrade request required');
    record.status = 101;
    const pod = { podIP: process.podIP, podName: target.name, podUid: process.uid };
    if (protocol === undefined) return serveSpdy(req, upgrade, pod);
    const ws = await acceptUpgrade(req, upgrade, protocol);
    if (protocol === SPDY_TUNNEL) tunnelSpdy(ws, pod);
    else bridge(ws, process.podIP, ports, target.name);
  });
}

/** The raw SPDY upgrade: the 101 answer is written by hand, then the socket speaks SPDY. */
function serveSpdy(req: IncomingMessage, upgrade: PendingUpgrade, pod: PortForwardTarget): void {
  const { socket, head } = upgrade;
  const offered = String(req.headers['x-stream-protocol-version'] ?? '')
    .split(',')
    .map((p) => p.trim());
  if (!offered.includes(PORT_FORWARD_V1)) {
    socket.end(
      'HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n' +
        `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server supports [${PORT_FORWARD_V1}]`,
    );
    return;
  }
  socket.write(
    'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n' +
      `X-Stream-Protocol-Version: ${PORT_FORWARD_V1}\r\n\r\n`,
  );
  const session = new PortForwardSpdySession(
    { write: (data) => socket.write(data), close: () => socket.end() },
    pod,
  );
  socket.on('data', (chunk: Buffer) => session.receive(chunk));
  socket.on('close', () => session.close());
  if (head.length > 0) session.receive(head);
}

/** SPDY inside a WebSocket: every binary message is a slice of the SPDY byte stream. */
function tunnelSpdy(ws: WebSocket, pod: PortForwardTarget): void {
  const session = new PortForwardSpdySession(
    {
      write: (data) => {
        if (ws.readyState === ws.OPEN) ws.send(data);
      },
      close: () => {
        if (ws.readyState === ws.OPEN) ws.close(1000);
      },
    },
    pod,
  );
  ws.on('message', (raw: Buffer | ArrayBuffer | Buffer[]) => {
    session.receive(
      Buffer.isBuffer(raw) ? raw : Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw),
    );
  });
  ws.on('close', () => session.close());
  ws.on('error', () => undefined);
}
