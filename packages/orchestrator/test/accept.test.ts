import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { realClock } from '@corral/agent-sandbox';
import { RunnerClient } from '@corral/sdk';
import { submitOnce } from '../src/runner-steps.js';

/** A runner stand-in whose `POST /task` answers are scripted per attempt. */
async function scriptedRunner(script: ('drop-after-accept' | 'refuse-503' | 'normal')[]) {
  let accepted: string | undefined;
  let posts = 0;
  let acceptances = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.method === 'GET' && req.url?.startsWith('/task')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            state: accepted ? 'running' : 'idle',
            ...(accepted ? { task: { taskID: accepted, message: '' } } : {}),
          }),
        );
        return;
      }
      const step = script[posts++] ?? 'normal';
      if (step === 'refuse-503') {
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ code: 'SHUTTING_DOWN', message: 'not yet' }));
        return;
      }
      if (accepted !== undefined) {
        res.writeHead(409, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ code: 'TASK_ALREADY_ASSIGNED', message: `has ${accepted}` }));
        return;
      }
      accepted = (JSON.parse(body) as { taskID: string }).taskID;
      acceptances++;
      if (step === 'drop-after-accept') {
        req.socket.destroy(); // accepted, but the answer is lost
        return;
      }
      res.writeHead(202, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'accepted' }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    client: new RunnerClient({ baseUrl: `http://127.0.0.1:${port}` }),
    get posts() {
      return posts;
    },
    get acceptances() {
      return acceptances;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('submitOnce: POST /task is retried only until accepted, never accepted twice', () => {
  it('a lost 202 is retried; the 409 that follows is recognised as our own acceptance', async () => {
    const runner = await scriptedRunner(['drop-after-accept']);
    cleanups.push(runner.close);
    await submitOnce(
      runner.client,
      { taskID: 't1', message: '' },
      5_000,
      new AbortController().signal,
      realClock,
    );
    expect(runner.posts).toBe(2);
    expect(runner.acceptances).toBe(1);
    runner.client.close();
  });

  it('gateway/availability errors before acceptance are retried', async () => {
    const runner = await scriptedRunner(['refuse-503', 'refuse-503', 'normal']);
    cleanups.push(runner.close);
    await submitOnce(
      runner.client,
      { taskID: 't2', message: '' },
      5_000,
      new AbortController().signal,
      realClock,
    );
    expect(runner.posts).toBe(3);
    expect(runner.acceptances).toBe(1);
    runner.client.close();
  });

  it('a runner that already holds another task is an error, not an acceptance', async () => {
    const runner = await scriptedRunner(['normal']);
    cleanups.push(runner.close);
    const signal = new AbortController().signal;
    await submitOnce(runner.client, { taskID: 'first', message: '' }, 5_000, signal, realClock);
    await expect(
      submitOnce(runner.client, { taskID: 'second', message: '' }, 5_000, signal, realClock),
    ).rejects.toMatchObject({ code: 'RUNNER_HAS_OTHER_TASK' });
    expect(runner.acceptances).toBe(1);
    runner.client.close();
  });
});
