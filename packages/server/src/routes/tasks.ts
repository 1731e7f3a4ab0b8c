import type { Hono } from 'hono';
import type { EventHub } from '../event-hub.js';
import { approveSchema, taskCreateSchema, taskPatchSchema } from '../schemas.js';
import { sse } from '../sse.js';
import type { TaskService } from '../task-service.js';
import { jsonBody, resumeCursor } from '../validate.js';

export function taskRoutes(
  app: Hono,
  tasks: TaskService,
  hub: EventHub,
  heartbeatMs: number,
): void {
  app.get('/api/v1/tasks', async (c) => c.json({ items: await tasks.list() }));
  app.post('/api/v1/tasks', async (c) =>
    c.json(await tasks.create(await jsonBody(c, taskCreateSchema)), 201),
  );
  app.get('/api/v1/tasks/:id', async (c) => c.json(await tasks.get(c.req.param('id'))));
  app.patch('/api/v1/tasks/:id', async (c) =>
    c.json(await tasks.patch(c.req.param('id'), await jsonBody(c, taskPatchSchema))),
  );
  app.delete('/api/v1/tasks/:id', async (c) => {
    await tasks.remove(c.req.param('id'));
    return c.body(null, 204);
  });
  app.post('/api/v1/tasks/:id/start', async (c) => {
    await jsonBody(c, approveSchema.pick({}));
    return c.json(await tasks.start(c.req.param('id')), 202);
  });
  app.post('/api/v1/tasks/:id/approve', async (c) => {
    const body = await jsonBody(c, approveSchema);
    return c.json(await tasks.approve(c.req.param('id'), body.feedback), 202);
  });
  app.post('/api/v1/tasks/:id/reject', async (c) => {
    await jsonBody(c, approveSchema.pick({}));
    return c.json(await tasks.reject(c.req.param('id')));
  });
  app.post('/api/v1/tasks/:id/cancel', async (c) => {
    await jsonBody(c, approveSchema.pick({}));
    return c.json(await tasks.cancel(c.req.param('id')));
  });
  app.get('/api/v1/tasks/:id/diff', async (c) => c.json(await tasks.diff(c.req.param('id'))));
  app.get('/api/v1/tasks/:id/events', async (c) => {
    const task = await tasks.get(c.req.param('id'));
    const cursor = resumeCursor(c);
    return sse(
      c,
      async (out) => {
        if (!task.runId) return;
        const live = hub.isLive(task.runId);
        for await (const e of hub.follow(task.runId, cursor, live, out.signal)) {
          await out.send(e.type, e.data, e.seq);
        }
      },
      heartbeatMs,
    );
  });
}
