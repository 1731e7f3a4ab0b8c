import type { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { compact } from '@corral/sdk';
import { ServerError } from '../errors.js';
import { workPath, type SandboxService } from '../sandbox-service.js';
import { execSchema, sandboxCreateSchema } from '../schemas.js';
import { sse } from '../sse.js';
import { jsonBody } from '../validate.js';

function tooLarge(limit: number) {
  return () => {
    throw new ServerError('BODY_TOO_LARGE', `the body is over ${limit} bytes; send less at once`);
  };
}

export function sandboxRoutes(
  app: Hono,
  sandboxes: SandboxService,
  maxFileBytes: number,
  heartbeatMs: number,
): void {
  app.get('/api/v1/sandboxes', async (c) =>
    c.json({ items: await sandboxes.list(c.req.raw.signal) }),
  );
  app.post('/api/v1/sandboxes', async (c) => {
    const body = await jsonBody(c, sandboxCreateSchema);
    return c.json(await sandboxes.create(body, c.req.raw.signal), 201);
  });
  app.get('/api/v1/sandboxes/:id', async (c) =>
    c.json(await sandboxes.get(c.req.param('id'), c.req.raw.signal)),
  );
  app.delete('/api/v1/sandboxes/:id', async (c) => {
    await sandboxes.remove(c.req.param('id'));
    return c.body(null, 204);
  });
  app.post('/api/v1/sandboxes/:id/exec', async (c) => {
    const body = await jsonBody(c, execSchema);
    const client = await sandboxes.client(c.req.param('id'));
    if (body.cwd !== undefined) workPath(body.cwd);
    return sse(
      c,
      async (out) => {
        let seq = 0;
        const result = await client.commands.run(body.command, {
          ...(body.cwd === undefined ? {} : { cwd: workPath(body.cwd) }),
          ...compact({ env: body.env, timeoutMs: body.timeoutMs, stdin: body.stdin }),
          signal: out.signal,
          onStdout: (text) => out.send('stdout', { text }, ++seq),
          onStderr: (text) => out.send('stderr', { text }, ++seq),
        });
        await out.send(
          'exit',
          { exitCode: result.exitCode, signal: result.signal, durationMs: result.durationMs },
          ++seq,
        );
      },
      heartbeatMs,
    );
  });
  app.get('/api/v1/sandboxes/:id/files/list', async (c) => {
    const path = workPath(c.req.query('path') ?? '');
    const client = await sandboxes.client(c.req.param('id'));
    const entries = await client.files.list(path, { signal: c.req.raw.signal });
    return c.json({ entries: entries.map((e) => ({ name: e.name, type: e.type, size: e.size })) });
  });
  app.get('/api/v1/sandboxes/:id/files', async (c) => {
    const path = requiredFilePath(c.req.query('path'));
    const client = await sandboxes.client(c.req.param('id'));
    const bytes = await client.files.read(path, { format: 'bytes', signal: c.req.raw.signal });
    return c.body(new Uint8Array(bytes), 200, { 'content-type': 'application/octet-stream' });
  });
  app.put(
    '/api/v1/sandboxes/:id/files',
    bodyLimit({ maxSize: maxFileBytes, onError: tooLarge(maxFileBytes) }),
    async (c) => {
      const path = requiredFilePath(c.req.query('path'));
      const client = await sandboxes.client(c.req.param('id'));
      const bytes = new Uint8Array(await c.req.arrayBuffer());
      await client.files.write(path, bytes, { signal: c.req.raw.signal });
      return c.body(null, 204);
    },
  );
}

/** The `?path=` of a file route, required, as a path inside the work dir. */
function requiredFilePath(raw: string | undefined): string {
  if (!raw)
    throw new ServerError('INVALID_FIELD', 'path: required (?path=<file in the work dir>)', {
      field: 'path',
    });
  return workPath(raw);
}
