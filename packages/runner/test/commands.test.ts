/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- tests read untyped JSON answers */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, jsonBody, ndjson, startRunner, type StartedRunner } from './helpers.js';

let runner: StartedRunner;
beforeAll(async () => {
  runner = await startRunner({ args: ['--mode', 'serve', '--output-buffer-bytes', '2048'] });
});
afterAll(() => runner.stop());

/** Running and not a zombie (this container's init may not reap orphans). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('commands', () => {
  it('streams a foreground argv command as NDJSON with start, output and exit events', async () => {
    const answer = await call(
      runner,
      'POST',
      '/v1/commands',
      jsonBody({ cmd: ['sh', '-c', 'echo hi; echo oops >&2; exit 7'] }),
    );
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/x-ndjson');
    const events = ndjson(answer.text);
    expect(events[0]).toMatchObject({ type: 'start', seq: 0 });
    expect(events[0].pid).toBeGreaterThan(0);
    expect(
      events
        .filter((e) => e.type === 'stdout')
        .map((e) => e.data)
        .join(''),
    ).toBe('hi\n');
    expect(
      events
        .filter((e) => e.type === 'stderr')
        .map((e) => e.data)
        .join(''),
    ).toBe('oops\n');
    expect(events.at(-1)).toMatchObject({
      type: 'exit',
      exitCode: 7,
      signal: null,
      timedOut: false,
    });
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
  });

  it('runs shell strings with env, cwd and stdin, and streams SSE on request', async () => {
    await call(runner, 'PUT', '/v1/dirs/sub');
    const answer = await call(runner, 'POST', '/v1/commands', {
      ...jsonBody({
        shell: 'printf "%s|" "$GREETING" "$(pwd)"; cat',
        env: { GREETING: 'hey' },
        cwd: 'sub',
        stdin: 'from-stdin',
      }),
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    });
    expect(answer.headers['content-type']).toBe('text/event-stream');
    const events = answer.text
      .split('\n\n')
      .filter(Boolean)
      .map((block) =>
        JSON.parse(
          block
            .split('\n')
            .find((l) => l.startsWith('data: '))!
            .slice(6),
        ),
      );
    const out = events
      .filter((e) => e.type === 'stdout')
      .map((e) => e.data)
      .join('');
    expect(out).toBe(`hey|${runner.root}/sub|from-stdin`);
    expect(answer.text).toContain('event: exit');
  });

  it('sends non-UTF-8 output as base64 and accepts base64 stdin', async () => {
    const bytes = Buffer.from([0, 255, 254, 10, 200]);
    const answer = await call(
      runner,
      'POST',
      '/v1/commands',
      jsonBody({ cmd: ['cat'], stdin: bytes.toString('base64'), stdinEncoding: 'base64' }),
    );
    const chunks = ndjson(answer.text).filter((e) => e.type === 'stdout');
    const got = Buffer.concat(
      chunks.map((e) => Buffer.from(e.data, e.encoding === 'base64' ? 'base64' : 'utf8')),
    );
    expect(got.equals(bytes)).toBe(true);
    expect(chunks.some((e) => e.encoding === 'base64')).toBe(true);
  });

  it('kills the whole process group on timeout', async () => {
    const answer = await call(
      runner,
      'POST',
      '/v1/commands',
      jsonBody({ shell: 'sleep 60 & echo $!; wait', timeoutMs: 200 }),
    );
    const events = ndjson(answer.text);
    const grandchild = Number(events.find((e) => e.type === 'stdout').data.trim());
    expect(events.at(-1)).toMatchObject({
      type: 'exit',
      timedOut: true,
      signal: 'SIGKILL',
      exitCode: null,
    });
    expect(alive(grandchild)).toBe(false);
  });

  it('kills a foreground command when its request goes away', async () => {
    const { request } = await import('node:http');
    const pid = await new Promise<number>((resolve) => {
      const req = request(
        {
          ...runner.target,
          host: '127.0.0.1',
          method: 'POST',
          path: '/v1/commands',
          headers: { 'content-type': 'application/json' },
        },
        (res) => {
          res.once('data', (chunk: Buffer) => {
            resolve(JSON.parse(chunk.toString().split('\n')[0]!).pid);
            req.destroy();
          });
        },
      );
      req.end(JSON.stringify({ cmd: ['sleep', '60'] }));
    });
    const list = async () =>
      (await call(runner, 'GET', '/v1/commands')).json.commands.find((c: any) => c.pid === pid);
    for (let i = 0; i < 50 && (await list()).status === 'running'; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect((await list()).signal).toBe('SIGKILL');
    expect(alive(pid)).toBe(false);
  });

  it('runs background commands: list, status, attach from a cursor, stdin, kill', async () => {
    const started = await call(
      runner,
      'POST',
      '/v1/commands',
      jsonBody({ cmd: ['cat'], background: true, keepStdinOpen: true }),
    );
    expect(started.status).toBe(201);
    const { id } = started.json;
    expect(started.json).toMatchObject({ status: 'running', stdinOpen: true, cmd: ['cat'] });
    expect((await call(runner, 'POST', `/v1/commands/${id}/stdin`, { body: 'one\n' })).status).toBe(
      204,
    );
    expect((await call(runner, 'POST', `/v1/commands/${id}/stdin`, { body: 'two\n' })).status).toBe(
      204,
    );
    const snapshot = ndjson(
      (await call(runner, 'GET', `/v1/commands/${id}/output?follow=false`)).text,
    );
    expect(snapshot[0]).toMatchObject({ type: 'start', id });
    const listed = (await call(runner, 'GET', '/v1/commands')).json.commands.map((c: any) => c.id);
    expect(listed).toContain(id);
    expect((await call(runner, 'DELETE', `/v1/commands/${id}/stdin`)).status).toBe(204);
    const rest = ndjson((await call(runner, 'GET', `/v1/commands/${id}/output?cursor=1`)).text);
    expect(rest[0].seq).toBe(1);
    expect(
      rest
        .filter((e) => e.type === 'stdout')
        .map((e) => e.data)
        .join(''),
    ).toBe('one\ntwo\n');
    expect(rest.at(-1)).toMatchObject({ type: 'exit', exitCode: 0 });
    const info = (await call(runner, 'GET', `/v1/commands/${id}`)).json;
    expect(info).toMatchObject({ status: 'exited', exitCode: 0, stdinOpen: false });
    const late = await call(runner, 'POST', `/v1/commands/${id}/stdin`, { body: 'x' });
    expect(late.json.code).toBe('PROCESS_NOT_RUNNING');
    expect((await call(runner, 'POST', `/v1/commands/${id}/kill`)).json.code).toBe(
      'PROCESS_NOT_RUNNING',
    );

    const sleeper = (
      await call(
        runner,
        'POST',
        '/v1/commands',
        jsonBody({ cmd: ['sleep', '60'], background: true }),
      )
    ).json;
    const badSignal = await call(
      runner,
      'POST',
      `/v1/commands/${sleeper.id}/kill`,
      jsonBody({ signal: 'SIGNOPE' }),
    );
    expect(badSignal.status).toBe(400);
    expect(
      (await call(runner, 'POST', `/v1/commands/${sleeper.id}/kill`, jsonBody({ signal: 'TERM' })))
        .status,
    ).toBe(202);
    const end = ndjson((await call(runner, 'GET', `/v1/commands/${sleeper.id}/output`)).text).at(
      -1,
    );
    expect(end).toMatchObject({ type: 'exit', signal: 'SIGTERM' });
    const noStdin = await call(
      runner,
      'POST',
      '/v1/commands',
      jsonBody({ cmd: ['sleep', '60'], background: true }),
    );
    expect(
      (await call(runner, 'POST', `/v1/commands/${noStdin.json.id}/stdin`, { body: 'x' })).json
        .code,
    ).toBe('STDIN_CLOSED');
    expect((await call(runner, 'DELETE', `/v1/commands/${noStdin.json.id}`)).status).toBe(204);
    expect((await call(runner, 'GET', `/v1/commands/${noStdin.json.id}`)).status).toBe(404);
    expect(alive(noStdin.json.pid)).toBe(false);
  });

  it('drops the oldest output past the buffer limit and tells late readers with a gap event', async () => {
    const started = await call(
      runner,
      'POST',
      '/v1/commands',
      jsonBody({
        shell: `for i in $(seq 1 40); do echo line-$i-${'x'.repeat(100)}; sleep 0.001; done`,
        background: true,
      }),
    );
    const live = ndjson((await call(runner, 'GET', `/v1/commands/${started.json.id}/output`)).text);
    expect(live.at(-1)).toMatchObject({ type: 'exit', exitCode: 0 });
    const events = ndjson(
      (await call(runner, 'GET', `/v1/commands/${started.json.id}/output?cursor=0`)).text,
    );
    expect(events[0]).toMatchObject({ type: 'gap', seq: 0 });
    expect(events[1].seq).toBe(events[0].droppedEvents);
    expect(events.at(-1)).toMatchObject({ type: 'exit', exitCode: 0 });
    expect(events.map((e) => e.data ?? '').join('')).toContain('line-40-');
    const info = (await call(runner, 'GET', `/v1/commands/${started.json.id}`)).json;
    expect(info.droppedBytes).toBeGreaterThan(0);
    expect(info.firstSeq).toBeGreaterThan(0);
  });

  it('answers bad requests with errors naming the problem', async () => {
    const cases: [unknown, number, string, string][] = [
      [{}, 400, 'INVALID_ARGUMENT', '"cmd"'],
      [{ cmd: ['a'], shell: 'b' }, 400, 'INVALID_ARGUMENT', 'exactly one'],
      [{ cmd: 'ls' }, 400, 'INVALID_ARGUMENT', '"cmd"'],
      [{ cmd: [''] }, 400, 'INVALID_ARGUMENT', '"cmd[0]"'],
      [{ shell: 'true', timeoutMs: 1.5 }, 400, 'INVALID_ARGUMENT', '"timeoutMs"'],
      [
        { shell: 'true', stdinEncoding: 'hex', stdin: '' },
        400,
        'INVALID_ARGUMENT',
        '"stdinEncoding"',
      ],
      [{ shell: 'true', cwd: 'missing-dir' }, 404, 'NOT_FOUND', 'missing-dir'],
      [{ shell: 'true', cwd: '/etc' }, 403, 'PATH_OUTSIDE_ROOT', '/etc'],
      [{ cmd: ['/definitely/not/here'] }, 422, 'SPAWN_FAILED', '/definitely/not/here'],
    ];
    for (const [body, status, code, text] of cases) {
      const answer = await call(runner, 'POST', '/v1/commands', jsonBody(body));
      expect(answer.status, JSON.stringify(body)).toBe(status);
      expect(answer.json.code).toBe(code);
      expect(answer.json.message).toContain(text);
    }
    expect((await call(runner, 'GET', '/v1/commands/nope')).json.code).toBe('NOT_FOUND');
    expect((await call(runner, 'GET', '/v1/commands/nope/output')).status).toBe(404);
    const started = (
      await call(runner, 'POST', '/v1/commands', jsonBody({ cmd: ['true'], background: true }))
    ).json;
    expect((await call(runner, 'GET', `/v1/commands/${started.id}/output?cursor=-1`)).status).toBe(
      400,
    );
    expect((await call(runner, 'PATCH', '/v1/commands')).status).toBe(405);
    expect((await call(runner, 'GET', '/nothing-here')).json.code).toBe('NOT_FOUND');
  });

  it('does not pass the runner token to commands', async () => {
    const secret = await startRunner({ env: { CORRAL_RUNNER_TOKEN: 's3cret' } });
    try {
      const answer = await call(secret, 'POST', '/v1/commands', {
        ...jsonBody({ shell: 'echo "[$CORRAL_RUNNER_TOKEN]"' }),
        headers: { 'content-type': 'application/json', authorization: 'Bearer s3cret' },
      });
      expect(ndjson(answer.text).find((e) => e.type === 'stdout').data).toBe('[]\n');
    } finally {
      await secret.stop();
    }
  });
});
