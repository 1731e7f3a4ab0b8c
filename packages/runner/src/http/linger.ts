/**
 * Lingering close (as nginx does it): after answering a request whose body was not read, close
 * the connection without resetting it. Closing a socket with unread data in its receive buffer
 * makes the kernel send RST, and a client still sending its body (undici's `fetch`, most HTTP
 * libraries) then fails with EPIPE/ECONNRESET before it reads the answer already on its way. So
 * the answer carries `Connection: close`, our side half-closes once it is written, and the rest
 * of the body is read and discarded for a bounded time and size before the socket is destroyed.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface LingerLimits {
  /** Longest the connection stays open after the answer, whatever the client does. */
  maxMs: number;
  /** Longest wait for the next chunk of the body. */
  idleMs: number;
  /** Most body bytes read and discarded. */
  maxBytes: number;
}

export const DEFAULT_LINGER: LingerLimits = {
  maxMs: 10_000,
  idleMs: 2_000,
  maxBytes: 128 * 1024 * 1024,
};

/**
 * Call before answering a request whose body is still arriving. Adds `Connection: close` to the
 * answer and, once it is written, discards the body until it ends or a limit is reached.
 */
export function lingerAfterAnswer(
  req: IncomingMessage,
  res: ServerResponse,
  limits: LingerLimits = DEFAULT_LINGER,
): void {
  const socket = req.socket;
  if (req.complete || socket.destroyed) return;
  if (!res.headersSent) res.setHeader('connection', 'close');
  let discarded = 0;
  let idle: NodeJS.Timeout | undefined;
  let total: NodeJS.Timeout | undefined;
  const stop = () => {
    clearTimeout(idle);
    clearTimeout(total);
    socket.destroy();
  };
  const armIdle = () => {
    clearTimeout(idle);
    idle = setTimeout(stop, limits.idleMs).unref();
  };
  // The HTTP parser keeps feeding the unread body into `req`; reading it is what keeps the
  // receive buffer empty, so closing later sends FIN, not RST.
  req.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > limits.maxBytes) stop();
    else armIdle();
  });
  req.resume();
  socket.once('close', () => {
    clearTimeout(idle);
    clearTimeout(total);
  });
  // Node closes a `Connection: close` connection with destroySoon() once the answer is written,
  // which destroys the socket right after the last write: replace it, for this socket only, by a
  // half-close. The client reads the answer, sees our FIN, and stops; its end closes the socket.
  socket.destroySoon = () => {
    socket.end();
    armIdle();
    total = setTimeout(stop, limits.maxMs).unref();
  };
}
