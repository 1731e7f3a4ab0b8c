import type { Context, Hono } from 'hono';
import type { ConnectionTests } from '../connection-tests.js';
import { kubeContexts } from '../kube-contexts.js';
import { settingsSchema, testConnectionSchema, type Settings } from '../schemas.js';
import { sse } from '../sse.js';
import { jsonBody, parseWith, resumeCursor } from '../validate.js';

export interface SettingsDeps {
  read(): Promise<Settings>;
  write(settings: Settings): Promise<void>;
  tests: ConnectionTests;
  env: Record<string, string | undefined>;
  heartbeatMs: number;
}

export function settingsRoutes(app: Hono, deps: SettingsDeps): void {
  app.get('/api/v1/settings', async (c) => c.json(await deps.read()));
  app.put('/api/v1/settings', async (c) => {
    const settings = await jsonBody(c, settingsSchema);
    await deps.write(settings);
    return c.json(settings);
  });
  app.get('/api/v1/kube/contexts', async (c) => c.json(await kubeContexts(deps.env)));
  app.post('/api/v1/test-connection', async (c) => {
    const partial = await jsonBody(c, testConnectionSchema);
    const saved = await deps.read();
    const merged = parseWith(settingsSchema, {
      ...saved,
      ...partial,
      local: { ...saved.local, ...partial.local },
      kubernetes: { ...saved.kubernetes, ...partial.kubernetes },
      agents: { ...saved.agents, ...partial.agents },
    });
    const id = deps.tests.start(merged);
    // where to resume from if this stream breaks (with Last-Event-ID or ?after=)
    c.header('corral-test-id', id);
    c.header('content-location', `/api/v1/test-connection/${id}/events`);
    return followTest(c, deps, id, 0);
  });
  app.get('/api/v1/test-connection/:id/events', (c) =>
    followTest(c, deps, c.req.param('id'), resumeCursor(c)),
  );
}

function followTest(c: Context, deps: SettingsDeps, id: string, after: number): Response {
  const abort = new AbortController();
  // an unknown id is a 404 now, before the stream starts
  const events = deps.tests.follow(id, after, abort.signal);
  return sse(
    c,
    async (out) => {
      // the client going away stops only its stream; the checks go on for a resume
      if (out.signal.aborted) abort.abort();
      out.signal.addEventListener('abort', () => abort.abort(), { once: true });
      for await (const e of events) await out.send(e.event, e.data, e.seq);
    },
    deps.heartbeatMs,
  );
}
