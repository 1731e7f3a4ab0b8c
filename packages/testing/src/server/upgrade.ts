/**
 * WebSocket upgrades (exec, attach, portforward) go through the same request pipeline as
 * every other request — bearer token, faults, request log, routing, subresource handlers — by
 * answering them with a `ServerResponse` bound to the upgraded socket. A handler that wants the
 * upgrade takes the raw socket with `takeUpgrade`; one that throws first answers with a Status
 * (e.g. 404 for an unknown pod), as the apiserver does before upgrading.
 */
import { ServerResponse, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ApiServer } from './api-server.js';

export interface PendingUpgrade {
  socket: Duplex;
  head: Buffer;
}

const pending = new WeakMap<IncomingMessage, PendingUpgrade>();

/** The raw socket of an upgrade request (once; later calls and plain requests get undefined). */
export function takeUpgrade(req: IncomingMessage): PendingUpgrade | undefined {
  const upgrade = pending.get(req);
  pending.delete(req);
  return upgrade;
}

export function routeUpgrades(server: Server, api: ApiServer): void {
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    pending.set(req, { socket, head });
    socket.on('error', () => socket.destroy());
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket as Parameters<ServerResponse['assignSocket']>[0]);
    // an answer without an upgrade ends the connection (nothing else may follow on it)
    res.once('finish', () => socket.end());
    api.handle(req, res);
  });
}
