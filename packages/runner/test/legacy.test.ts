/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- tests read untyped JSON answers */
import { readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, jsonBody, startRunner, type StartedRunner } from './helpers.js';

let runner: StartedRunner;
beforeAll(async () => {
  runner = await startRunner({ env: { SANDBOX_EXEC_TIMEOUT_SECONDS: '1' } });
});
afterAll(() => runner.stop());

function multipart(
  filename: string,
  content: string,
): { body: Buffer; headers: Record<string, string> } {
  const boundary = 'xXxBoundaryxXx';
  const body = Buffer.from(
    `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${filename}"\r\ncontent-type: application/octet-stream\r\n\r\n${content}\r\n--${boundary}--\r\n`,
  );
  return { body, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

describe('upstream python-runtime compatibility', () => {
  it('GET / answers like python-runtime', async () => {
    expect((await call(runner, 'GET', '/')).json).toEqual({
      status: 'ok',
      message: 'Sandbox Runtime is active.',
    });
  });

  it('POST /execute splits like shlex, runs without a shell, and reports failures as data', async () => {
    const ok = await call(
      runner,
      'POST',
      '/execute',
      jsonBody({ command: `printf '%s|' "a b" c\\ d $HOME` }),
    );
    expect(ok.json).toEqual({ stdout: 'a b|c d|$HOME|', stderr: '', exit_code: 0 });
    const failed = await call(
      runner,
      'POST',
      '/execute',
      jsonBody({ command: 'sh -c "echo e >&2; exit 4"' }),
    );
    expect(failed.json).toEqual({ stdout: '', stderr: 'e\n', exit_code: 4 });
    const missing = await call(
      runner,
      'POST',
      '/execute',
      jsonBody({ command: 'no-such-binary-here' }),
    );
    expect(missing.status).toBe(200);
    expect(missing.json.exit_code).toBe(1);
    expect(missing.json.stderr).toContain('Failed to execute command');
    const unbalanced = await call(runner, 'POST', '/execute', jsonBody({ command: 'echo "oops' }));
    expect(unbalanced.json.stderr).toContain('No closing quotation');
    expect(missing.json.stderr).toBe(
      "Failed to execute command: [Errno 2] No such file or directory: 'no-such-binary-here'",
    );
    const slow = await call(runner, 'POST', '/execute', jsonBody({ command: "sleep '30'" }));
    // Upstream's own text: Python's TimeoutExpired behind the "Failed to execute command:" prefix.
    expect(slow.json).toEqual({
      stdout: '',
      stderr: "Failed to execute command: Command '['sleep', '30']' timed out after 1.0 seconds",
      exit_code: 1,
    });
  });

  it('ignores unknown fields and answers validation errors like FastAPI (422 with detail)', async () => {
    const extra = await call(runner, 'POST', '/execute', jsonBody({ command: 'true', x: 1 }));
    expect(extra.json).toEqual({ stdout: '', stderr: '', exit_code: 0 });
    const cases: [string | undefined, unknown][] = [
      [
        JSON.stringify({ cmd: 'x' }),
        { type: 'missing', loc: ['body', 'command'], msg: 'Field required', input: { cmd: 'x' } },
      ],
      [
        JSON.stringify({ command: 5 }),
        {
          type: 'string_type',
          loc: ['body', 'command'],
          msg: 'Input should be a valid string',
          input: 5,
        },
      ],
      [
        '[1]',
        {
          type: 'model_attributes_type',
          loc: ['body'],
          msg: 'Input should be a valid dictionary or object to extract fields from',
          input: [1],
        },
      ],
      [undefined, { type: 'missing', loc: ['body'], msg: 'Field required', input: null }],
      [
        '{nope',
        {
          type: 'json_invalid',
          loc: ['body', 1],
          msg: 'JSON decode error',
          input: {},
          ctx: { error: expect.any(String) },
        },
      ],
    ];
    for (const [body, detail] of cases) {
      const answer = await call(runner, 'POST', '/execute', {
        ...(body !== undefined ? { body } : {}),
        headers: { 'content-type': 'application/json' },
      });
      expect(answer.status, body).toBe(422);
      expect(answer.json, body).toEqual({
        detail: [detail],
        code: 'INVALID_ARGUMENT',
        message: expect.any(String),
      });
    }
    const upload = await call(runner, 'POST', '/upload', {
      body: 'x',
      headers: { 'content-type': 'text/plain' },
    });
    expect(upload.status).toBe(422);
    expect(upload.json.detail).toEqual([
      { type: 'missing', loc: ['body', 'file'], msg: 'Field required', input: null },
    ]);
  });

  it("404 and 405 bodies carry FastAPI's detail", async () => {
    const missing = await call(runner, 'GET', '/no-such-route');
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ detail: 'Not Found', code: 'NOT_FOUND' });
    const method = await call(runner, 'DELETE', '/execute');
    expect(method.status).toBe(405);
    expect(method.headers.allow).toBe('POST');
    expect(method.json).toMatchObject({ detail: 'Method Not Allowed', code: 'METHOD_NOT_ALLOWED' });
  });

  it('uploads, downloads, lists and checks existence', async () => {
    const up = await call(runner, 'POST', '/upload', multipart('dir/hello.txt', 'hi there'));
    expect(up.json).toEqual({ message: "File 'dir/hello.txt' uploaded successfully." });
    const down = await call(runner, 'GET', '/download/dir/hello.txt');
    expect(down.headers['content-type']).toBe('application/octet-stream');
    expect(down.text).toBe('hi there');
    const list = (await call(runner, 'GET', '/list/dir')).json;
    expect(list).toEqual([
      { name: 'hello.txt', size: 8, type: 'file', mod_time: expect.any(Number) },
    ]);
    expect(list[0].mod_time * 1000).toBeGreaterThan(Date.now() - 60_000);
    expect((await call(runner, 'GET', '/list/')).json.map((e: any) => e.type)).toEqual([
      'directory',
    ]);
    expect((await call(runner, 'GET', '/exists/dir/hello.txt')).json).toEqual({
      path: 'dir/hello.txt',
      exists: true,
    });
    expect((await call(runner, 'GET', '/exists/dir/nope')).json).toEqual({
      path: 'dir/nope',
      exists: false,
    });
  });

  it('a leading / means relative to the root, and stays confined', async () => {
    const up = await call(runner, 'POST', '/upload', multipart('/abs/top.txt', 'top'));
    expect(up.json).toEqual({ message: "File '/abs/top.txt' uploaded successfully." });
    expect(await readFile(join(runner.root, 'abs/top.txt'), 'utf8')).toBe('top');
    expect((await call(runner, 'GET', '/download//abs/top.txt')).text).toBe('top');
    expect((await call(runner, 'GET', '/download/%2Fabs%2Ftop.txt')).text).toBe('top');
    for (const path of ['/list//', '/list/%2F', '/list/']) {
      const names = (await call(runner, 'GET', path)).json.map((e: any) => e.name);
      expect(names, path).toContain('abs');
    }
    expect((await call(runner, 'GET', '/list//abs')).json.map((e: any) => e.name)).toEqual([
      'top.txt',
    ]);
    expect((await call(runner, 'GET', '/exists//abs/top.txt')).json).toEqual({
      path: '/abs/top.txt',
      exists: true,
    });
    expect((await call(runner, 'GET', '/exists/%2Fetc%2Fpasswd')).json).toEqual({
      path: '/etc/passwd',
      exists: false,
    });
    for (const path of ['/download//../etc/passwd', '/list///..', '/exists//abs/../../x']) {
      const answer = await call(runner, 'GET', path);
      expect(answer.status, path).toBe(403);
    }
    const escape = await call(runner, 'POST', '/upload', multipart('/../evil.txt', 'x'));
    expect(escape.status).toBe(403);
    await symlink('/etc', join(runner.root, 'link'));
    expect((await call(runner, 'GET', '/download//link/passwd')).status).toBe(403);
    expect((await call(runner, 'GET', '/list/%2Flink')).status).toBe(403);
  });

  it('downloads a non-ASCII file name with an RFC 6266 Content-Disposition', async () => {
    await writeFile(join(runner.root, 'héllo wörld "x".txt'), 'é');
    const answer = await call(
      runner,
      'GET',
      `/download/${encodeURIComponent('héllo wörld "x".txt')}`,
    );
    expect(answer.status).toBe(200);
    expect(answer.text).toBe('é');
    expect(answer.headers['content-disposition']).toBe(
      `attachment; filename="h_llo w_rld _x_.txt"; filename*=UTF-8''h%C3%A9llo%20w%C3%B6rld%20%22x%22.txt`,
    );
    await writeFile(join(runner.root, "it's.txt"), 'a');
    expect((await call(runner, 'GET', `/download/it's.txt`)).headers['content-disposition']).toBe(
      `attachment; filename="it's.txt"`,
    );
  });

  it('answers upstream errors: 404 File not found, 404 Path is not a directory, 403 Access denied', async () => {
    const missing = await call(runner, 'GET', '/download/nope.txt');
    expect(missing.status).toBe(404);
    expect(missing.json.message).toBe('File not found');
    expect((await call(runner, 'GET', '/list/dir/hello.txt')).json.message).toBe(
      'Path is not a directory',
    );
    for (const path of ['/download/../../etc/passwd', '/list/..', '/exists/../x']) {
      const answer = await call(runner, 'GET', path);
      expect(answer.status, path).toBe(403);
      expect(answer.json.message).toBe('Access denied');
    }
    const escape = await call(runner, 'POST', '/upload', multipart('../evil.txt', 'x'));
    expect(escape.status).toBe(403);
  });
});
