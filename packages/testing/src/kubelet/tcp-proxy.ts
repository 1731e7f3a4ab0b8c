/**
 * A host-side TCP listener on `<podIP>:<port>` that forwards each connection to the runner's
 * unix socket inside the sandbox's run directory. The sandbox itself keeps network `none`; the
 * pod IP answers because the host listens for it.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { listenExclusive } from '../network/listen-exclusive.js';

export interface TcpProxy {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Listens (rejects with the listen error, e.g. EADDRINUSE); connections go to `socketPath`. */
export async function startTcpProxy(options: {
  host: string;
  port: number;
  socketPath: string;
  /** False refuses the connection (reset before any byte reaches the runner). */
  admit?: (remoteAddress: string | undefined) => boolean;
}): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const server: Server = createServer((client) => {
    track(client);
    if (options.admit !== undefined && !options.admit(client.remoteAddress)) {
      // an enforcing CNI drops the packets; a reset fails the caller at once instead of at its timeout
      client.resetAndDestroy();
      return;
    }
    const upstream = createConnection(options.socketPath);
    track(upstream);
    // a refused upstream (runner not listening yet, or gone) resets the client, as a closed port would
    upstream.once('error', () => client.resetAndDestroy());
    client.once('error', () => upstream.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  return listenExclusive(server, sockets, options);
}
