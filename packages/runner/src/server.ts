/**
 * Builds the runner's HTTP server: routes, bearer auth, and the one error handler that turns
 * every failure into a `{code, message}` body.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { unlink } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Deps } from './deps.js';
import { FsRoot } from './fs-root.js';
import { HttpError } from './http/errors.js';
import { lingerAfterAnswer } from './http/linger.js';
import { sendJson } from './http/respond.js';
import { Router, type RouteDef } from './http/router.js';
import type { Logger } from './log.js';
import { Spawner, type ExecHelperMode } from './exec-helper/spawner.js';
import { ProcessManager } from './processes.js';
import { registerCommandRoutes } from './routes/commands.js';
import { registerFileRoutes } from './routes/files.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerLegacyRoutes } from './routes/legacy.js';
import { registerTaskRoutes } from './routes/task.js';
import { TaskRunner } from './task-runner.js';

export interface RunnerOptions {
  mode: 'oneshot' | 'serve';
  root: string;
  token?: string;
  maxBodyBytes: number;
  maxUploadBytes: number;
  outputBufferBytes: number;
  taskCommand?: string;
  legacyExecTimeoutMs: number;
  /** Start commands through the exec helper when it can run here (default 'auto'). */
  execHelper?: ExecHelperMode;
  logger: Logger;
}

export interface RunnerServer {
  server: Server;
  deps: Deps;
  routes: RouteDef[];
  /** Listens on a unix socket or host:port; resolves with a printable address. */
  listen(target: { socket: string } | { host: string; port: number }): Promise<string>;
  /** Stops accepting, stops every process group (SIGTERM, then SIGKILL after `graceMs`), closes. */
  shutdown(graceMs?: number): Promise<void>;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function authorized(req: IncomingMessage, expected: Buffer): boolean {
  const header = req.headers.authorization ?? '';
  const m = /^Bearer\s+(.+)$/i.exec(header);
  // Comparing fixed-length digests keeps the check constant-time whatever the lengths.
  return m !== null && timingSafeEqual(digest(m[1]!.trim()), expected);
}

function sendError(res: ServerResponse, error: unknown, logger: Logger): void {
  const httpError =
    error instanceof HttpError
      ? error
      : new HttpError(500, 'INTERNAL', error instanceof Error ? error.message : String(error));
  if (httpError.status >= 500) logger.log('error', 'request failed', { error: httpError.message });
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // Also in a header, for answers without a body (HEAD).
  const headers: Record<string, string> = {
    ...httpError.headers,
    'x-corral-error-code': httpError.code,
  };
  if (httpError.status === 413) headers.connection = 'close';
  sendJson(
    res,
    httpError.status,
    { ...httpError.extra, code: httpError.code, message: httpError.message },
    headers,
  );
}

export async function createRunnerServer(options: RunnerOptions): Promise<RunnerServer> {
  const fsRoot = await FsRoot.open(options.root);
  const spawner = new Spawner(options.execHelper ?? 'auto', options.logger);
  // Python starts while node still builds the server and listens: the first command of a cold
  // sandbox waits for the helper (Spawner.settled), so starting it after `listening` put the
  // helper's whole start in series with the runner's (docs/decisions/0048).
  void spawner.warm();
  const procs = new ProcessManager(options.outputBufferBytes, spawner);
  const deps: Deps = {
    fsRoot,
    procs,
    tasks: new TaskRunner(procs, fsRoot, options.logger, options.taskCommand),
    logger: options.logger,
    maxBodyBytes: options.maxBodyBytes,
    maxUploadBytes: options.maxUploadBytes,
    mode: options.mode,
    startedAt: Date.now(),
    legacyExecTimeoutMs: options.legacyExecTimeoutMs,
  };
  const router = new Router();
  registerHealthRoutes(router, deps);
  registerTaskRoutes(router, deps);
  registerCommandRoutes(router, deps);
  registerFileRoutes(router, deps);
  registerLegacyRoutes(router, deps);
  const expectedToken = options.token === undefined ? undefined : digest(options.token);
  let shuttingDown = false;

  const server = createServer({ requestTimeout: 0, keepAliveTimeout: 65_000 }, (req, res) => {
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const path = q < 0 ? target : target.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : target.slice(q + 1));
    // During shutdown, a connection becomes closable as soon as its last answer went out.
    res.once('finish', () => {
      if (shuttingDown) setImmediate(() => server.closeIdleConnections());
    });
    void (async () => {
      try {
        if (shuttingDown) throw new HttpError(503, 'SHUTTING_DOWN', 'the runner is shutting down');
        const { route, params } = router.match(req.method ?? 'GET', path);
        if (expectedToken && !route.public && !authorized(req, expectedToken)) {
          throw new HttpError(
            401,
            'UNAUTHENTICATED',
            'missing or wrong bearer token; send "Authorization: Bearer <token>"',
            { 'www-authenticate': 'Bearer' },
          );
        }
        await route.handler({ req, res, params, query, path });
      } catch (error) {
        // An answer before the whole body arrived: close without a reset, so the client sees it.
        lingerAfterAnswer(req, res);
        sendError(res, error, options.logger);
      }
    })();
  });
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });

  return {
    server,
    deps,
    routes: router.definitions(),
    async listen(target) {
      if ('socket' in target) {
        await unlink(target.socket).catch(() => {});
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(target.socket, () => {
            server.off('error', reject);
            resolve();
          });
        });
        return `unix:${target.socket}`;
      }
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(target.port, target.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const addr = server.address() as AddressInfo;
      const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
      return `http://${host}:${addr.port}`;
    },
    async shutdown(graceMs = 2000) {
      shuttingDown = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await procs.stopAll(graceMs);
      await procs.spawner.close();
      setImmediate(() => server.closeIdleConnections());
      // Let answers already on their way (e.g. the task long-poll) finish, briefly.
      const timer = setTimeout(() => server.closeAllConnections(), 1000);
      await closed;
      clearTimeout(timer);
    },
  };
}
