/**
 * The kubelet's `portforward.k8s.io` protocol over SPDY/3.1, which kubectl speaks either on a
 * plain `Upgrade: SPDY/3.1` connection or tunneled inside a WebSocket
 * (`SPDY/3.1+portforward.k8s.io`, the default since kubectl 1.31). The ports are not in the URL:
 * for every local connection the client opens an error stream and a data stream, both carrying
 * `streamtype`, `port` and `requestid` headers; the pair becomes one TCP connection to
 * `<podIP>:port`. As in the kubelet, the data stream's FIN half-closes the pod connection, the
 * pod side's end closes both streams, and a failure is written to the error stream as text.
 */
import { connect, type Socket } from 'node:net';
import {
  HeaderInflater,
  RST_PROTOCOL_ERROR,
  SpdyFrameReader,
  SpdyFrameWriter,
  type SpdyFrame,
} from './spdy-frames.js';

export const PORT_FORWARD_V1 = 'portforward.k8s.io';

/** Where SPDY frames go: a raw upgraded socket or the binary messages of a WebSocket. */
export interface ByteTransport {
  write(data: Buffer): void;
  /** Ends the connection after what was written. */
  close(): void;
}

export interface PortForwardTarget {
  podIP: string;
  podName: string;
  podUid: string;
}

interface Stream {
  id: number;
  type: 'data' | 'error';
  port: string;
  /** This side sent FIN or the stream was reset: nothing more may be sent on it. */
  localDone: boolean;
}

interface Pair {
  data?: Stream;
  error?: Stream;
  socket?: Socket;
}

export class PortForwardSpdySession {
  readonly #reader = new SpdyFrameReader();
  readonly #inflater = new HeaderInflater();
  /** Frames are handled strictly in order; a SYN_STREAM's headers inflate asynchronously. */
  #queue: Promise<void> = Promise.resolve();
  readonly #writer = new SpdyFrameWriter();
  readonly #streams = new Map<number, { stream: Stream; pair: Pair }>();
  readonly #pairs = new Map<string, Pair>();
  readonly #sockets = new Set<Socket>();
  #closed = false;

  constructor(
    private readonly transport: ByteTransport,
    private readonly target: PortForwardTarget,
  ) {}

  /** Bytes from the client. */
  receive(chunk: Buffer): void {
    if (this.#closed) return;
    let frames: SpdyFrame[];
    try {
      frames = this.#reader.push(chunk);
    } catch {
      // a connection that cannot be parsed cannot be answered on either: drop it
      this.close();
      return;
    }
    for (const frame of frames) {
      this.#queue = this.#queue
        .then(() => (this.#closed ? undefined : this.#handle(frame)))
        .catch(() => this.close());
    }
  }

  /** The client went away (or the pod did): every forwarded connection ends with it. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
    this.#inflater.close();
    this.transport.close();
  }

  #send(...frames: Buffer[]): void {
    if (this.#closed) return;
    for (const f of frames) this.transport.write(f);
  }

  async #handle(frame: SpdyFrame): Promise<void> {
    switch (frame.kind) {
      case 'syn_stream':
        this.#open(frame.streamId, await this.#inflater.inflate(frame.block));
        return;
      case 'header_block':
        await this.#inflater.inflate(frame.block);
        return;
      case 'data': {
        const entry = this.#streams.get(frame.streamId);
        if (entry === undefined) return;
        const { stream, pair } = entry;
        // the client sends nothing on the error stream but its FIN
        if (stream.type === 'data' && pair.socket !== undefined && !pair.socket.destroyed) {
          if (frame.data.length > 0) pair.socket.write(frame.data);
          if (frame.fin) pair.socket.end();
        }
        return;
      }
      case 'rst_stream': {
        const entry = this.#streams.get(frame.streamId);
        if (entry === undefined) return;
        entry.stream.localDone = true;
        // kubectl resets the data stream once it is done with a connection
        if (entry.stream.type === 'data') this.#finish(entry.pair);
        return;
      }
      case 'ping':
        this.#send(this.#writer.ping(frame.id));
        return;
      case 'goaway':
        this.close();
        return;
      case 'ignored':
        return;
    }
  }

  #open(id: number, headers: Map<string, string>): void {
    const type = headers.get('streamtype');
    if (type !== 'data' && type !== 'error') {
      this.#send(this.#writer.rstStream(id, RST_PROTOCOL_ERROR));
      return;
    }
    // protocol v1 without requestid pairs an error stream with the data stream after it
    const requestId = headers.get('requestid') ?? String(type === 'error' ? id : id - 2);
    const pair = this.#pairs.get(requestId) ?? {};
    this.#pairs.set(requestId, pair);
    const stream: Stream = { id, type, port: headers.get('port') ?? '', localDone: false };
    pair[type] = stream;
    this.#streams.set(id, { stream, pair });
    this.#send(this.#writer.synReply(id));
    if (pair.data !== undefined && pair.error !== undefined) {
      this.#pairs.delete(requestId);
      this.#forward(pair, pair.data.port);
    }
  }

  #forward(pair: Pair, portText: string): void {
    const port = Number(portText);
    if (!/^\d+$/.test(portText) || port < 1 || port > 65535) {
      this.#fail(pair, `invalid port "${portText}": must be an integer from 1 to 65535`, portText);
      return;
    }
    const socket = connect({ host: this.target.podIP, port });
    pair.socket = socket;
    this.#sockets.add(socket);
    socket.on('data', (data: Buffer) => {
      const stream = pair.data;
      if (stream !== undefined && !stream.localDone)
        this.#send(...this.#writer.data(stream.id, data));
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      this.#fail(
        pair,
        `failed to connect to ${this.target.podIP}:${port}: ${err.code ?? err.message}`,
        portText,
      );
    });
    socket.on('close', () => {
      this.#sockets.delete(socket);
      this.#finish(pair);
    });
  }

  #fail(pair: Pair, why: string, port: string): void {
    const stream = pair.error;
    if (stream !== undefined && !stream.localDone) {
      const message = `error forwarding port ${port} to pod ${this.target.podName}, uid ${this.target.podUid}: ${why}`;
      this.#send(...this.#writer.data(stream.id, Buffer.from(message)));
    }
    this.#finish(pair);
  }

  /** Ends both streams of a connection with FIN (a stream the client reset gets nothing). */
  #finish(pair: Pair): void {
    pair.socket?.destroy();
    for (const stream of [pair.data, pair.error]) {
      if (stream === undefined) continue;
      if (!stream.localDone) {
        stream.localDone = true;
        this.#send(...this.#writer.data(stream.id, Buffer.alloc(0), true));
      }
      this.#streams.delete(stream.id);
    }
  }
}
