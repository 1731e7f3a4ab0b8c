import type { Hono } from 'hono';
import { ServerError } from '../errors.js';
import type { WarmPools } from '../options.js';
import { scaleSchema, type Settings } from '../schemas.js';
import { jsonBody } from '../validate.js';

export function warmPoolRoutes(
  app: Hono,
  read: () => Promise<Settings>,
  pools: WarmPools | undefined,
): void {
  app.get('/api/v1/warm-pools', async (c) => {
    const settings = await read();
    if (settings.provider !== 'kubernetes' || !pools) return c.json({ items: [] });
    return c.json({ items: await pools.list(settings, c.req.raw.signal) });
  });
  app.post('/api/v1/warm-pools/:name/scale', async (c) => {
    const body = await jsonBody(c, scaleSchema);
    const settings = await read();
    if (settings.provider !== 'kubernetes' || !pools)
      throw new ServerError(
        'NOT_FOUND',
        `no warm pool ${JSON.stringify(c.req.param('name'))}: warm pools exist with provider kubernetes only (PUT /api/v1/settings)`,
      );
    return c.json(
      await pools.scale(settings, c.req.param('name'), body.replicas, c.req.raw.signal),
    );
  });
}
