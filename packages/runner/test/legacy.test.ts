/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- tests read untyped JSON answers */
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
    const slow = await call(runner, 'POST', '/execute', jsonBody({ command: 'sleep 30' }));
    expect(slow.json.exit_code).toBe(1);
    expect(slow.json.stderr).toContain('timed out');
    expect((await call(runner, 'POST', '/execute', jsonBody({ cmd: 'x' }))).status).toBe(400);
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
    expect(
      (
        await call(runner, 'POST', '/upload', {
          body: 'x',
          headers: { 'content-type': 'text/plain' },
        })
      ).status,
    ).toBe(400);
  });
});
