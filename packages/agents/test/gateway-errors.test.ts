/**
 * The model gateway's handling of upstream errors, driven over its real unix socket against the
 * scripted model server (no agent, no sandbox): rate-limit answers reach the agent with their
 * Retry-After, so the agent's own retry logic can honour it; 5xx answers in a row stop the run
 * with MODEL_API_ERROR naming the status once the bound is reached, and a good answer resets
 * the count.
 */
import http from 'node:http';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../src/gateway/gateway.js';
import { GATEWAY_SOCKET } from '../src/gateway/bridge.js';
import { startModelServer, type ModelServer } from './model-server/model-server.js';

const KEY = 'sk-ant-gateway-test';

describe('model gateway: upstream errors', () => {
  let parentDir: string;
  let server: ModelServer;

  beforeAll(async () => {
    parentDir = await mkdtemp(join(tmpdir(), 'corral-gateway-'));
    server = await startModelServer({ key: KEY });
  });

  afterAll(async () => {
    await server?.close();
    if (parentDir) await rm(parentDir, { recursive: true, force: true });
  });

  function ask(dir: string, token: string) {
    return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>(
      (resolve, reject) => {
        const body = JSON.stringify({ model: 'm', tools: [{ name: 't' }], messages: [] });
        const req = http.request(
          {
            socketPath: join(dir, GATEWAY_SOCKET),
            path: '/v1/messages',
            method: 'POST',
            headers: { 'x-api-key': token, 'content-type': 'application/json' },
          },
          (res) => {
            let text = '';
            res.setEncoding('utf8').on('data', (c: string) => (text += c));
            res.on('end', () =>
              resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }),
            );
          },
        );
        req.on('error', reject);
        req.end(body);
      },
    );
  }

  it('passes a 429 and its Retry-After through to the agent; a refused request is no turn', async () => {
    const stops: { code: string }[] = [];
    const gateway = await startGateway({
      parentDir,
      api: 'anthropic',
      upstreamUrl: server.url,
      apiKey: KEY,
      onStop: (r) => stops.push(r),
    });
    try {
      server.setScript([{ status: 429, retryAfterS: 7, message: 'slow down' }, { text: 'ok' }]);
      const limited = await ask(gateway.dir, gateway.token);
      expect(limited.status).toBe(429);
      expect(limited.headers['retry-after']).toBe('7');
      expect(JSON.parse(limited.body)).toMatchObject({ error: { type: 'rate_limit_error' } });
      const fine = await ask(gateway.dir, gateway.token);
      expect(fine.status).toBe(200);
      expect(gateway.statuses).toEqual([429, 200]);
      expect(gateway.turns).toBe(1);
      expect(stops).toEqual([]);
    } finally {
      await gateway.close();
    }
    expect(await readdir(parentDir)).toEqual([]);
  });

  it('stops the run at the 3rd 5xx in a row (maxConsecutiveServerErrors 3); a 200 resets the count', async () => {
    const stops: { code: string; message: string }[] = [];
    const gateway = await startGateway({
      parentDir,
      api: 'anthropic',
      upstreamUrl: server.url,
      apiKey: KEY,
      limits: { maxConsecutiveServerErrors: 3 },
      onStop: (r) => stops.push(r),
    });
    try {
      const e500 = { status: 500, message: 'boom' };
      const e503 = { status: 503, message: 'overloaded' };
      server.setScript([e500, e500, { text: 'ok' }, e500, e500, e503]);
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await ask(gateway.dir, gateway.token)).status);
      expect(statuses).toEqual([500, 500, 200, 500, 500]);
      expect(stops).toEqual([]);
      expect((await ask(gateway.dir, gateway.token)).status).toBe(503);
      expect(stops).toEqual([
        {
          code: 'MODEL_API_ERROR',
          message: `the model API at ${new URL(server.url).host} answered HTTP 503 3 times in a row (overloaded); retry later, and check the API's status page if it persists`,
        },
      ]);
      // once stopped, nothing more is forwarded
      const before = server.requests.length;
      expect((await ask(gateway.dir, gateway.token)).status).toBe(400);
      expect(server.requests.length).toBe(before);
    } finally {
      await gateway.close();
    }
  });
});
