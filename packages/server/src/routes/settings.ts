import type { Hono } from 'hono';
import { kubeContexts } from '../kube-contexts.js';
import type { ConnectionChecks } from '../options.js';
import { settingsSchema, testConnectionSchema, type Settings } from '../schemas.js';
import { sse } from '../sse.js';
import { jsonBody, parseWith } from '../validate.js';

export interface SettingsDeps {
  read(): Promise<Settings>;
  write(settings: Settings): Promise<void>;
  checks: ConnectionChecks | undefined;
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
    return sse(
      c,
      async (out) => {
        const counts = { ok: 0, warn: 0, fail: 0, skip: 0 };
        let seq = 0;
        if (!deps.checks) {
          await out.send(
            'check',
            {
              id: 'checks',
              title: 'Connection checks',
              status: 'skip',
              detail: 'this server was started without connection checks',
              fix: "start it with corral serve, which runs corral doctor's checks",
            },
            ++seq,
          );
          counts.skip++;
        } else {
          for await (const check of deps.checks(merged, out.signal)) {
            if (check.status !== 'running') counts[check.status]++;
            await out.send('check', check, ++seq);
          }
        }
        await out.send('done', { ok: counts.fail === 0, counts }, ++seq);
      },
      deps.heartbeatMs,
    );
  });
}
