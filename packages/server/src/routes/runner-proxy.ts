/**
 * `/api/v1/sandboxes/{id}/runner/…`: the sandbox's own runner API, reached through this server
 * with the server's token. The SDK's `server` provider points its runner client here, so every
 * SDK call (commands with streamed output and stdin, files, tasks) works against a sandbox the
 * server owns, and the sandbox outlives the client. Bodies stream both ways unbuffered; the runner
 * keeps its own limits and error bodies, which pass through unchanged.
 */
import { request, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Hono } from 'hono';
import type { RunnerEndpoint } from '@corral/sdk';
import { ServerError } from '../errors.js';
import type { SandboxService } from '../sandbox-service.js';

const PREFIX = /^\/api\/v1\/sandboxes\/[^/]+\/runner(?=\/|$)/;

// hop-by-hop headers (RFC 9110 §7.6.1) and what belongs to this server, not the runner
const DROP = new Set([
  'authorization',
  'connection',
  'cookie',
  'host',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

export function runnerProxyRoutes(app: Hono, sandboxes: SandboxService): void {
  app.all('/api/v1/sandboxes/:id/runner/*', async (c) => {
    const id = c.req.param('id');
    const endpoint = await sandboxes.endpoint(id, c.req.raw.signal);
    const url = new URL(c.req.url);
    const rest = url.pathname.replace(PREFIX, '') || '/';
    const headers: OutgoingHttpHeaders = {};
    c.req.raw.headers.forEach((value, key) => {
      if (!DROP.has(key)) headers[key] = value;
    });
    return forward(endpoint, c.req.method, rest + url.search, headers, c.req.raw).catch(
      (error: unknown) => {
        // the runner moved or went away (a resumed pod, a deleted sandbox): look it up again
        sandboxes.forgetEndpoint(id);
        throw error;
      },
    );
  });
}

function forward(
  endpoint: RunnerEndpoint,
  method: string,
  path: string,
  headers: OutgoingHttpHeaders,
  incoming: Request,
): Promise<Response> {
  const base = new URL(endpoint.baseUrl);
  const signal = incoming.signal;
  return new Promise<Response>((resolve, reject) => {
    const req = request({
      method,
      path: base.pathname.replace(/\/$/, '') + path,
      headers: {
        ...headers,
        ...endpoint.headers,
        ...(endpoint.token === undefined ? {} : { authorization: `Bearer ${endpoint.token}` }),
      },
      ...(endpoint.socketPath !== undefined
        ? { socketPath: endpoint.socketPath }
        : { host: base.hostname.replace(/^\[|\]$/g, ''), port: base.port || 80 }),
    });
    // the client went away: stop the runner call (a streamed command's output has no reader)
    const onAbort = () => req.destroy();
    signal.addEventListener('abort', onAbort, { once: true });
    req.on('response', (res) => {
      res.on('close', () => signal.removeEventListener('abort', onAbort));
      const status = res.statusCode ?? 502;
      const noBody = method === 'HEAD' || status === 204 || status === 304;
      if (noBody) res.resume();
      resolve(
        new Response(noBody ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), {
          status,
          headers: responseHeaders(res.headers),
        }),
      );
    });
    req.on('error', (error) => {
      signal.removeEventListener('abort', onAbort);
      reject(
        new ServerError(
          'RUNNER_UNREACHABLE',
          `the sandbox's runner did not answer (${error.message}); the sandbox may be stopping — GET /api/v1/sandboxes shows whether it is still there`,
          { cause: error, retryable: true },
        ),
      );
    });
    const body = incoming.body;
    if (body === null || method === 'GET' || method === 'HEAD') req.end();
    else
      Readable.fromWeb(body as WebReadableStream<Uint8Array>)
        .on('error', (error) => req.destroy(error))
        .pipe(req);
  });
}

function responseHeaders(incoming: IncomingHttpHeaders): Headers {
  const out = new Headers();
  for (const [key, value] of Object.entries(incoming)) {
    if (value === undefined || DROP.has(key)) continue;
    if (Array.isArray(value)) for (const v of value) out.append(key, v);
    else out.set(key, value);
  }
  return out;
}
