/** The Hono application: auth, body limits, errors as `{ error: { code, message, field? } }`, routes. */
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { auth } from './auth.js';
import { ServerError, toServerError } from './errors.js';
import type { ConnectionTests } from './connection-tests.js';
import type { EventHub } from './event-hub.js';
import type { WarmPools } from './options.js';
import { settingsRoutes } from './routes/settings.js';
import { runnerProxyRoutes } from './routes/runner-proxy.js';
import { sandboxRoutes } from './routes/sandboxes.js';
import { taskRoutes } from './routes/tasks.js';
import { warmPoolRoutes } from './routes/warm-pools.js';
import type { SandboxService } from './sandbox-service.js';
import type { Settings } from './schemas.js';
import { serveStatic } from './static.js';
import type { TaskService } from './task-service.js';

export interface AppDeps {
  token: string;
  openapi: unknown;
  settings: { read(): Promise<Settings>; write(s: Settings): Promise<void> };
  sandboxes: SandboxService;
  tasks: TaskService;
  hub: EventHub;
  tests: ConnectionTests;
  warmPools: WarmPools | undefined;
  env: Record<string, string | undefined>;
  staticDir: string | undefined;
  maxBodyBytes: number;
  maxFileBytes: number;
  heartbeatMs: number;
  logger: (line: string) => void;
}

export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  app.onError((error, c) => {
    const e = toServerError(error);
    if (e.status >= 500) deps.logger(`${c.req.method} ${c.req.path}: ${e.code} ${e.message}`);
    // the rest of an oversized body is never read: the connection cannot be reused
    if (e.code === 'BODY_TOO_LARGE') c.header('connection', 'close');
    return c.json(e.toBody(), e.status as 400);
  });
  app.notFound((c) => {
    const e = new ServerError(
      'NO_ROUTE',
      `no route ${c.req.method} ${c.req.path}; see /api/v1/openapi.json`,
    );
    return c.json(e.toBody(), 404);
  });
  app.get('/healthz', (c) => c.json({ ok: true }));
  app.use('*', auth(deps.token));
  const jsonLimit = bodyLimit({
    maxSize: deps.maxBodyBytes,
    onError: () => {
      throw new ServerError(
        'BODY_TOO_LARGE',
        `the body is over ${deps.maxBodyBytes} bytes; send less at once`,
      );
    },
  });
  // file uploads have their own, larger limit (routes/sandboxes.ts)
  app.use('/api/*', async (c: Context, next) => {
    if (c.req.method === 'PUT' && /\/files$/.test(c.req.path)) return next();
    // the runner proxy streams bodies through; the runner enforces its own limits
    if (/^\/api\/v1\/sandboxes\/[^/]+\/runner\//.test(c.req.path)) return next();
    return jsonLimit(c as Parameters<typeof jsonLimit>[0], next);
  });
  app.get('/api/v1/openapi.json', (c) => c.json(deps.openapi));
  settingsRoutes(app, {
    read: () => deps.settings.read(),
    write: (s) => deps.settings.write(s),
    tests: deps.tests,
    env: deps.env,
    heartbeatMs: deps.heartbeatMs,
  });
  sandboxRoutes(app, deps.sandboxes, deps.maxFileBytes, deps.heartbeatMs);
  runnerProxyRoutes(app, deps.sandboxes);
  taskRoutes(app, deps.tasks, deps.hub, deps.heartbeatMs);
  warmPoolRoutes(app, () => deps.settings.read(), deps.warmPools);
  if (deps.staticDir) serveStatic(app, deps.staticDir);
  return app;
}
