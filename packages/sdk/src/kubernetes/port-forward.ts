/**
 * An in-process `kubectl port-forward`: a `net.Server` on 127.0.0.1 whose every accepted socket
 * gets its own client-node `PortForward` WebSocket to the pod (client-node forwards one port per
 * WebSocket and does not multiplex). client-node does not end the local socket when the remote
 * side closes, so that is wired here; without it a client would hang on a dead tunnel.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { PortForward, type KubeConfig } from '@kubernetes/client-node';
import { ConnectionError } from '../errors.js';

/** The part of client-node's `PortForward` used here (injectable for tests). */
export interface PortForwarder {
  portForward(
    namespace: string,
    podName: string,
    targetPorts: number[],
    output: NodeJS.WritableStream,
    err: NodeJS.WritableStream | null,
    input: NodeJS.ReadableStream,
  ): Promise<unknown>;
}

export interface PortForwardServerOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  pod: string;
  /** Port in the pod. */
  port: number;
  /** Replaces client-node's PortForward (tests). */
  forwarder?: PortForwarder;
}

interface WebSocketLike {
  on(event: 'close' | 'error', listener: (...args: unknown[]) => void): unknown;
  close(): void;
  readyState?: number;
}

function isWebSocketLike(value: unknown): value is WebSocketLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { on?: unknown }).on === 'function' &&
    typeof (value as { close?: unknown }).close === 'function'
  );
}

export class PortForwardServer {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #sessions = new Set<WebSocketLike>();
  #closing: Promise<void> | undefined;
  /** The local port, on 127.0.0.1. */
  readonly localPort: number;
  /** The pod new connections go to; `retarget` changes it (a resumed sandbox has a new pod). */
  #pod: string;
  readonly #options: PortForwardServerOptions;
  readonly #forwarder: PortForwarder;

  private constructor(server: Server, options: PortForwardServerOptions) {
    this.#server = server;
    this.#options = options;
    this.#pod = options.pod;
    this.#forwarder = options.forwarder ?? new PortForward(options.kubeConfig);
    this.localPort = (server.address() as AddressInfo).port;
    server.on('connection', (socket) => this.#accept(socket));
  }

  static async start(options: PortForwardServerOptions): Promise<PortForwardServer> {
    const server = createServer({ pauseOnConnect: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new PortForwardServer(server, options);
  }

  /** `http://127.0.0.1:<port>`. */
  get url(): string {
    return `http://127.0.0.1:${this.localPort}`;
  }

  get pod(): string {
    return this.#pod;
  }

  /** Number of local connections open now. */
  get connectionCount(): number {
    return this.#sockets.size;
  }

  /** New connections go to `pod` (after a resume the pod is new); open ones are dropped. */
  retarget(pod: string): void {
    this.#pod = pod;
    for (const socket of this.#sockets) socket.destroy();
  }

  #accept(socket: Socket): void {
    if (this.#closing !== undefined) {
      socket.destroy();
      return;
    }
    this.#sockets.add(socket);
    // A write to a socket the peer already closed would otherwise be an unhandled 'error'.
    socket.on('error', () => socket.destroy());
    let session: WebSocketLike | undefined;
    socket.on('close', () => {
      this.#sockets.delete(socket);
      if (session !== undefined) {
        this.#sessions.delete(session);
        session.close();
      }
    });
    // The error channel carries the kubelet's complaint (e.g. nothing listens on the port).
    const errors = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        if (chunk.length > 0) socket.destroy();
        callback();
      },
    });
    const { namespace, port } = this.#options;
    this.#forwarder.portForward(namespace, this.#pod, [port], socket, errors, socket).then(
      (ws) => {
        if (!isWebSocketLike(ws)) return;
        if (socket.destroyed) {
          ws.close();
          return;
        }
        session = ws;
        this.#sessions.add(ws);
        ws.on('close', () => socket.destroy());
        ws.on('error', () => socket.destroy());
        // Accepted paused (pauseOnConnect): nothing is read until the tunnel can carry it.
        socket.resume();
      },
      () => socket.destroy(),
    );
  }

  /** Stops accepting, ends every tunnel and local socket. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      for (const socket of this.#sockets) socket.destroy();
      for (const ws of this.#sessions) ws.close();
      this.#sessions.clear();
    });
    return this.#closing;
  }
}

/** Starts a port-forward server, translating a listen failure. */
export async function startPortForward(
  options: PortForwardServerOptions,
): Promise<PortForwardServer> {
  try {
    return await PortForwardServer.start(options);
  } catch (e) {
    throw new ConnectionError(
      `Could not open a local port for the port-forward to pod ${options.namespace}/${options.pod}: ${
        e instanceof Error ? e.message : String(e)
      }`,
      { cause: e },
    );
  }
}
