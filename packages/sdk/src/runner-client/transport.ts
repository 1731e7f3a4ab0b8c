/**
 * HTTP to one runner over `node:http` with a keep-alive agent, on TCP or a unix socket. Bounds
 * the handshake by `timeoutMs`, ties the whole exchange to the caller's signal, and retries only
 * where that is safe (see `request`).
 */
import {
  Agent,
  request as httpRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
} from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { RunnerEndpoint } from '../provider.js';
import { AbortedError, ConnectionError, CorralError, TimeoutError } from '../errors.js';
import { collectBounded } from './bounded-read.js';
import { errorFromRunnerResponse, errorFromTransport, type AbortReason } from './errors-map.js';

export interface RequestOptions {
  method: string;
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  headers?: OutgoingHttpHeaders;
  /** A Buffer/string can be re-sent; a stream cannot (so it is never retried). */
  body?: Buffer | string | Readable;
  signal?: AbortSignal;
  /** Bounds the time to the response headers. */
  timeoutMs?: number;
  /** Safe to repeat after a connection failure (GET, HEAD, and the like). */
  idempotent?: boolean;
  /** Names the call in error messages, e.g. `files.read("a.txt")`. */
  operation: string;
}

export interface Response {
  res: IncomingMessage;
  status: number;
}

export interface TransportOptions {
  /** Extra attempts for idempotent calls after a connection failure. Default 2. */
  retries?: number;
  /** Default handshake bound for calls that pass none. Default 30 000. */
  timeoutMs?: number;
}

const RETRY_DELAYS_MS = [50, 250, 1000];

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AbortedError('aborted', { cause: signal.reason }));
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortedError('aborted', { cause: signal?.reason }));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export class Transport {
  readonly agent: Agent;
  private readonly url: URL;
  private readonly socketPath: string | undefined;
  private readonly baseHeaders: OutgoingHttpHeaders;
  private readonly retries: number;
  private readonly defaultTimeoutMs: number;

  constructor(endpoint: RunnerEndpoint, options: TransportOptions = {}) {
    this.url = new URL(endpoint.baseUrl);
    if (this.url.protocol !== 'http:') {
      throw new CorralError(`runner baseUrl must be http:// (got ${endpoint.baseUrl})`, {
        code: 'INVALID_ARGUMENT',
      });
    }
    this.socketPath = endpoint.socketPath;
    this.baseHeaders = {
      ...endpoint.headers,
      ...(endpoint.token !== undefined ? { authorization: `Bearer ${endpoint.token}` } : {}),
    };
    this.agent = new Agent({ keepAlive: true, keepAliveMsecs: 1000, scheduling: 'lifo' });
    this.retries = options.retries ?? 2;
    this.defaultTimeoutMs = options.timeoutMs ?? 30_000;
  }

  close(): void {
    this.agent.destroy();
  }

  /**
   * Sends one request and resolves once the response headers arrived with a 2xx/3xx status;
   * an error status is read and thrown as the matching `CorralError`. Retries: idempotent calls
   * with a re-sendable body on connection failures; any call once when a reused keep-alive socket
   * was reset before any answer (the server closed it idly; the request never reached it).
   */
  async request(options: RequestOptions): Promise<Response> {
    const canResend = !(options.body instanceof Readable);
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once(options);
      } catch (error) {
        const staleSocket = (error as { staleSocket?: boolean }).staleSocket === true;
        const retry =
          canResend &&
          error instanceof ConnectionError &&
          ((options.idempotent && attempt < this.retries) || (staleSocket && attempt === 0));
        if (!retry) throw error;
        await delay(staleSocket ? 0 : (RETRY_DELAYS_MS[attempt] ?? 1000), options.signal);
      }
    }
  }

  /** `request` and parse a JSON answer. */
  async json<T>(options: RequestOptions): Promise<T> {
    const { res } = await this.request({
      ...options,
      headers: { accept: 'application/json', ...options.headers },
    });
    const text = await this.readText(res, options);
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new CorralError(`${options.operation}: the runner sent invalid JSON`, {
        code: 'INVALID_RESPONSE',
        cause: error,
      });
    }
  }

  async readText(
    res: IncomingMessage,
    options: Pick<RequestOptions, 'operation' | 'signal'>,
  ): Promise<string> {
    // the one body reader of the runner client, here without a bound
    const body = await collectBounded(
      res,
      options.operation,
      Number.POSITIVE_INFINITY,
      options.signal,
    );
    return body.toString('utf8');
  }

  private buildPath(options: RequestOptions): string {
    const base = this.url.pathname.replace(/\/$/, '');
    let path = base + options.path;
    if (options.query) {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(options.query)) if (v !== undefined) q.set(k, String(v));
      const s = q.toString();
      if (s) path += `?${s}`;
    }
    return path;
  }

  private once(options: RequestOptions): Promise<Response> {
    const { signal } = options;
    if (signal?.aborted) {
      return Promise.reject(
        new AbortedError(`${options.operation} was aborted.`, { cause: signal.reason }),
      );
    }
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    return new Promise<Response>((resolve, reject) => {
      let abort: AbortReason | undefined;
      let settled = false;
      const req = httpRequest({
        agent: this.agent,
        method: options.method,
        path: this.buildPath(options),
        headers: { ...this.baseHeaders, ...options.headers },
        ...(this.socketPath !== undefined
          ? { socketPath: this.socketPath }
          : { host: this.url.hostname.replace(/^\[|\]$/g, ''), port: this.url.port || 80 }),
      });
      const onAbort = () => {
        abort ??= { kind: 'signal', reason: signal?.reason };
        req.destroy(
          new AbortedError(`${options.operation} was aborted.`, { cause: signal?.reason }),
        );
      };
      const timer =
        timeoutMs > 0
          ? setTimeout(() => {
              abort ??= { kind: 'timeout', timeoutMs };
              req.destroy(
                new TimeoutError(`${options.operation} timed out after ${timeoutMs} ms.`),
              );
            }, timeoutMs)
          : undefined;
      signal?.addEventListener('abort', onAbort, { once: true });
      const cleanupSignal = () => signal?.removeEventListener('abort', onAbort);

      const fail = (error: unknown) => {
        clearTimeout(timer);
        if (settled) return;
        settled = true;
        cleanupSignal();
        const mapped = errorFromTransport(error, options.operation, abort);
        if (req.reusedSocket && (error as { code?: string }).code === 'ECONNRESET' && !abort) {
          Object.assign(mapped, { staleSocket: true });
        }
        reject(mapped);
      };
      req.on('error', fail);
      req.on('response', (res) => {
        clearTimeout(timer);
        const status = res.statusCode ?? 0;
        if (status >= 400) {
          void this.readText(res, options).then((text) => {
            settled = true;
            cleanupSignal();
            const headerCode = res.headers['x-corral-error-code'];
            reject(
              errorFromRunnerResponse(
                status,
                text,
                options.operation,
                typeof headerCode === 'string' ? headerCode : undefined,
              ),
            );
          }, fail);
          return;
        }
        settled = true;
        // The signal stays attached for the body: aborting mid-stream destroys the response.
        res.once('close', cleanupSignal);
        resolve({ res, status });
      });

      const body = options.body;
      if (body instanceof Readable) {
        pipeline(body, req).catch((error: unknown) => {
          // The answer may already explain the failure (e.g. 401 before the body was sent).
          setTimeout(() => fail(error), 20);
        });
      } else {
        req.end(body);
      }
    });
  }
}
