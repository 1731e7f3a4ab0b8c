/**
 * Listening on one simulated address (a pod IP, a Gateway address) for the fake's proxies: the
 * address is theirs alone (`exclusive`), and `close()` ends the server and every connection it
 * tracked, once, however often it is called.
 */
import type { Server, Socket } from 'node:net';

export interface Listening {
  host: string;
  port: number;
  close(): Promise<void>;
}

export async function listenExclusive(
  server: Server,
  sockets: Set<Socket>,
  address: { host: string; port: number },
): Promise<Listening> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: address.host, port: address.port, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  let closing: Promise<void> | undefined;
  return {
    host: address.host,
    port: address.port,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      })),
  };
}
