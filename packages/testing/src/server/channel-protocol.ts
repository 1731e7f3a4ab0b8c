/**
 * The Kubernetes channel WebSocket protocol shared by exec and port-forward: subprotocol
 * negotiation and channel-prefixed binary frames (first byte = channel).
 */
import type { IncomingMessage } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { badRequest } from '../store/status-error.js';
import { queryBool } from './query-params.js';
import type { PendingUpgrade } from './upgrade.js';

export const V5 = 'v5.channel.k8s.io';
export const V4 = 'v4.channel.k8s.io';
/** v5's close frame: `[255, channel]`. */
export const CLOSE_CHANNEL = 255;

/** The first client-offered subprotocol this server supports, or a 400 Status before the upgrade. */
export function negotiate(req: IncomingMessage, supported: readonly string[]): string {
  const offered = (req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  const chosen = offered.find((p) => supported.includes(p));
  if (chosen === undefined) {
    throw badRequest(
      `unable to upgrade connection: none of the offered subprotocols [${offered.join(', ')}] is supported; supported: [${supported.join(', ')}]`,
    );
  }
  return chosen;
}

const chosenProtocol = new WeakMap<IncomingMessage, string>();
// no listening socket of its own: one per process serves every fake cluster
let wss: WebSocketServer | undefined;

/** Completes the upgrade with `protocol` and hands over the WebSocket. */
export function acceptUpgrade(
  req: IncomingMessage,
  upgrade: PendingUpgrade,
  protocol: string,
): Promise<WebSocket> {
  wss ??= new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    // negotiated before the upgrade, so a refusal can still be a Status response
    handleProtocols: (_offered, request) => chosenProtocol.get(request) ?? false,
  });
  chosenProtocol.set(req, protocol);
  // ws refuses a header that is not a list of RFC 7230 tokens, and the SPDY tunnel's
  // `SPDY/3.1+portforward.k8s.io` has a `/` (the apiserver's Go stack takes it): the choice is
  // made already, so ws only needs something it can parse; it answers with `protocol`
  req.headers['sec-websocket-protocol'] = 'negotiated';
  const server = wss;
  return new Promise((resolve) => {
    server.handleUpgrade(req, upgrade.socket, upgrade.head, (ws) => resolve(ws));
  });
}

export function frame(channel: number, data?: Buffer | string): Buffer {
  const body = data === undefined ? Buffer.alloc(0) : Buffer.from(data);
  return Buffer.concat([Buffer.from([channel]), body]);
}

/** Query booleans as the apiserver's parameter codec decodes them (`query-params.ts`). */
export function urlBool(url: URL, name: string): boolean {
  return queryBool(url.searchParams, name);
}
