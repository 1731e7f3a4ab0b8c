/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- tests read untyped JSON answers */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, jsonBody, ndjson, startRunner, type StartedRunner } from './helpers.js';

let runner: StartedRunner;
beforeAll(async () => {
  runner = await startRunner({ args: ['--mode', 'serve'] });
});
afterAll(() => runner.stop());

/** Follows a command's output; `until(text)` resolves once the output so far contains it. */
function follow(id: string): { text: () => string; until: (needle: string) => Promise<string> } {
  let out = '';
  let wake: (() => void) | undefined;
  let ended = false;
  const req = request(
    { method: 'GET', path: `/v1/commands/${id}/output`, ...runner.target },
    (res) => {
      let pending = '';
      res.setEncoding('utf8').on('data', (chunk: string) => {
        pending += chunk;
        let nl: number;
        while ((nl = pending.indexOf('\n')) >= 0) {
          const event = JSON.parse(pending.slice(0, nl));
          pending = pending.slice(nl + 1);
          if (event.type === 'stdout' || event.type === 'stderr') out += event.data;
          if (event.type === 'exit') out += `<exit ${event.exitCode}>`;
        }
        wake?.();
      });
      res.once('end', () => {
        ended = true;
        wake?.();
      });
    },
  );
  req.end();
  return {
    text: () => out,
    async until(needle) {
      while (!out.includes(needle)) {
        if (ended) throw new Error(`output ended without ${JSON.stringify(needle)}: ${out}`);
        await new Promise<void>((resolve) => (wake = resolve));
      }
      return out;
    },
  };
}

async function startPty(body: Record<string, unknown>): Promise<any> {
  const answer = await call(
    runner,
    'POST',
    '/v1/commands',
    jsonBody({ background: true, ...body }),
  );
  expect(answer.status, answer.text).toBe(201);
  return answer.json;
}

describe('PTY mode', () => {
  it('runs the command on a terminal of the requested size; stderr is the terminal too', async () => {
    const answer = await call(
      runner,
      'POST',
      '/v1/commands',
      jsonBody({
        shell: 'tty; stty size; echo "term=$TERM"; echo oops >&2; exit 4',
        pty: { cols: 91, rows: 17 },
      }),
    );
    expect(answer.status).toBe(200);
    const events = ndjson(answer.text);
    expect(events.filter((e) => e.type === 'stderr')).toEqual([]);
    const out = events
      .filter((e) => e.type === 'stdout')
      .map((e) => e.data)
      .join('');
    // a terminal turns \n into \r\n
    expect(out).toMatch(/^\/dev\/pts\/\d+\r\n17 91\r\nterm=xterm-256color\r\noops\r\n$/);
    expect(events.at(-1)).toMatchObject({ type: 'exit', exitCode: 4 });
  });

  it('keeps the argv exact, takes input typed into the terminal and reports the size in info', async () => {
    const info = await startPty({
      cmd: ['sh', '-c', 'read line; printf "<%s|%s>" "$line" "$1"', 'sh', "it's a $HOME"],
      pty: { cols: 50, rows: 10 },
      env: { SHELL: '/bin/bash' },
    });
    expect(info).toMatchObject({ pty: { cols: 50, rows: 10 }, stdinOpen: true });
    const output = follow(info.id);
    const typed = await call(runner, 'POST', `/v1/commands/${info.id}/stdin`, { body: 'hello\r' });
    expect(typed.status).toBe(204);
    const out = await output.until('<exit 0>');
    expect(out).toContain(`<hello|it's a $HOME>`);
  });

  it('POST /resize changes the size the command sees (stty -F on its terminal)', async () => {
    const info = await startPty({
      shell: 'while read line; do echo "size=$(stty size)"; done',
      pty: { cols: 80, rows: 24 },
    });
    const output = follow(info.id);
    await call(runner, 'POST', `/v1/commands/${info.id}/stdin`, { body: '\r' });
    await output.until('size=24 80');
    const resized = await call(
      runner,
      'POST',
      `/v1/commands/${info.id}/resize`,
      jsonBody({ cols: 132, rows: 43 }),
    );
    expect(resized.status, resized.text).toBe(200);
    expect(resized.json).toMatchObject({ id: info.id, pty: { cols: 132, rows: 43 } });
    await call(runner, 'POST', `/v1/commands/${info.id}/stdin`, { body: '\r' });
    await output.until('size=43 132');
    // closing stdin is an end-of-file typed into the terminal: the loop's read ends
    await call(runner, 'DELETE', `/v1/commands/${info.id}/stdin`);
    expect(await output.until('<exit 0>')).toContain('size=43 132');
  });

  it('a kill reaches the command in its own session, not only script', async () => {
    const info = await startPty({
      shell: 'echo ready; exec sleep 300',
      pty: { cols: 80, rows: 24 },
    });
    const output = follow(info.id);
    // printed on the terminal: script has forked the command onto it
    await output.until('ready');
    const killed = await call(runner, 'POST', `/v1/commands/${info.id}/kill`, {
      ...jsonBody({ signal: 'SIGTERM' }),
    });
    expect(killed.status).toBe(202);
    // script reports a command killed by signal n as 128+n
    expect(await output.until('<exit')).toContain('<exit 143>');
  });

  it('rejects bad sizes, and resizing a command without a terminal or one that exited', async () => {
    const bad = await call(
      runner,
      'POST',
      '/v1/commands',
      jsonBody({ cmd: ['true'], pty: { cols: 0, rows: 24 } }),
    );
    expect(bad.status).toBe(400);
    expect(bad.json.message).toContain('"pty.cols" must be an integer from 1 to 10000');
    const extra = await call(
      runner,
      'POST',
      '/v1/commands',
      jsonBody({ cmd: ['true'], pty: { cols: 1, rows: 1, width: 3 } }),
    );
    expect(extra.status).toBe(400);

    const plain = await startPty({ cmd: ['sleep', '300'] });
    const notPty = await call(
      runner,
      'POST',
      `/v1/commands/${plain.id}/resize`,
      jsonBody({ cols: 80, rows: 24 }),
    );
    expect(notPty.status).toBe(409);
    expect(notPty.json.code).toBe('NOT_A_PTY');
    expect(
      (await call(runner, 'POST', `/v1/commands/${plain.id}/resize`, jsonBody({ cols: 80 })))
        .status,
    ).toBe(400);
    await call(runner, 'DELETE', `/v1/commands/${plain.id}`);

    const done = await call(
      runner,
      'POST',
      '/v1/commands',
      jsonBody({ cmd: ['true'], pty: { cols: 80, rows: 24 } }),
    );
    const id = ndjson(done.text)[0].id;
    const late = await call(
      runner,
      'POST',
      `/v1/commands/${id}/resize`,
      jsonBody({ cols: 80, rows: 24 }),
    );
    expect(late.status).toBe(409);
    expect(late.json.code).toBe('PROCESS_NOT_RUNNING');
    const missing = await call(runner, 'POST', '/v1/commands/nope/resize', jsonBody({}));
    expect(missing.status).toBe(404);
  });
});
