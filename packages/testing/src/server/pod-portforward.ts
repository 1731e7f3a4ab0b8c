/**
 * `GET …/pods/{name}/portforward?ports=N` as a WebSocket (`v4.channel.k8s.io`, or the
 * kubelet's `portforward.k8s.io`): one TCP connection to `<podIP>:N` per WebSocket. For the
 * i-th port, channel 2i carries data and 2i+1 errors; the server's first frame on each is the
 * port as 2 bytes little-endian. Either side closing ends the other.
 */
import { connect, type Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { badRequest } from '../store/status-error.js';
import type { ApiServer } from './api-server.js';
import { acceptUpgrade, frame, negotiate, V4 } from './channel-protocol.js';
import { requireRunning, resolvePodTarget, type PodProcessLookup } from './pod-target.js';
import { takeUpgrade } from './upgrade.js';

const PORT_FORWARD_PROTOCOLS = [V4, 'portforward.k8s.io'];

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
    const ports = parsePorts(url);
    const process = requireRunning(target, 'port-forward');
    const upgrade = takeUpgrade(req);
    if (upgrade === undefined) throw badRequest('Upgrade request required');
    const protocol = negotiate(req, PORT_FORWARD_PROTOCOLS);
    record.status = 101;
    const ws = await acceptUpgrade(req, upgrade, protocol);
    bridge(ws, process.podIP, ports, target.name);
  });
}
