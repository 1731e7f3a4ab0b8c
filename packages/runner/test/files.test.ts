/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- tests read untyped JSON answers */
import { mkdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startRunner, tempDir, type StartedRunner } from './helpers.js';

let runner: StartedRunner;
let outsideDir: string;
beforeAll(async () => {
  runner = await startRunner();
  outsideDir = await tempDir('corral-outside-');
  await writeFile(join(outsideDir, 'secret.txt'), 'secret');
  await symlink(outsideDir, join(runner.root, 'escape'));
  await symlink(join(outsideDir, 'secret.txt'), join(runner.root, 'escape-file'));
});
afterAll(async () => {
  await runner.stop();
  await rm(outsideDir, { recursive: true, force: true });
});

describe('files', () => {
  it('writes atomically with parents and mode, reads whole and ranged', async () => {
    const put = await call(runner, 'PUT', '/v1/files/a/b/c.bin?mode=0600', {
      body: Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
    });
    expect(put.status).toBe(201);
    expect(put.json).toMatchObject({
      path: 'a/b/c.bin',
      name: 'c.bin',
      type: 'file',
      size: 10,
      mode: '0600',
    });
    expect((await stat(join(runner.root, 'a/b/c.bin'))).mode & 0o777).toBe(0o600);
    const again = await call(runner, 'PUT', '/v1/files/a/b/c.bin', { body: 'replaced' });
    expect(again.status).toBe(200);
    expect(again.json.mode).toBe('0600');
    expect((await call(runner, 'GET', '/v1/files/a/b/c.bin')).text).toBe('replaced');
    const ranged = await call(runner, 'GET', '/v1/files/a/b/c.bin', {
      headers: { range: 'bytes=2-4' },
    });
    expect(ranged.status).toBe(206);
    expect(ranged.text).toBe('pla');
    expect(ranged.headers['content-range']).toBe('bytes 2-4/8');
    expect(
      (await call(runner, 'GET', '/v1/files/a/b/c.bin', { headers: { range: 'bytes=-3' } })).text,
    ).toBe('ced');
    expect(
      (await call(runner, 'GET', '/v1/files/a/b/c.bin', { headers: { range: 'bytes=5-' } })).text,
    ).toBe('ced');
    const bad = await call(runner, 'GET', '/v1/files/a/b/c.bin', {
      headers: { range: 'bytes=100-' },
    });
    expect(bad.status).toBe(416);
    expect(bad.json.code).toBe('RANGE_NOT_SATISFIABLE');
    expect(bad.headers['content-range']).toBe('bytes */8');
    expect((await call(runner, 'PUT', '/v1/files/x?mode=999', { body: '' })).json.code).toBe(
      'INVALID_ARGUMENT',
    );
    const names = (await import('node:fs/promises')).readdir(join(runner.root, 'a/b'));
    expect(await names).toEqual(['c.bin']);
  });

  it('handles percent-encoded names, empty files and HEAD', async () => {
    expect((await call(runner, 'PUT', '/v1/files/sp%20ace%3F.txt', { body: '' })).status).toBe(201);
    expect(await readFile(join(runner.root, 'sp ace?.txt'), 'utf8')).toBe('');
    const head = await call(runner, 'HEAD', '/v1/files/sp%20ace%3F.txt');
    expect(head.status).toBe(200);
    expect(head.headers['x-corral-file-type']).toBe('file');
    expect((await call(runner, 'HEAD', '/v1/files/missing')).status).toBe(404);
    expect((await call(runner, 'GET', '/v1/files/bad%zz')).json.code).toBe('INVALID_ARGUMENT');
  });

  it('lists, stats, makes and removes directories', async () => {
    expect((await call(runner, 'PUT', '/v1/dirs/d1/d2?mode=0700')).status).toBe(201);
    expect((await call(runner, 'PUT', '/v1/dirs/d1/d2')).status).toBe(200);
    await call(runner, 'PUT', '/v1/files/d1/f.txt', { body: 'abc' });
    const listing = (await call(runner, 'GET', '/v1/dirs/d1')).json;
    expect(listing.path).toBe('d1');
    expect(listing.entries.map((e: any) => [e.name, e.type])).toEqual([
      ['d2', 'directory'],
      ['f.txt', 'file'],
    ]);
    expect(listing.entries[0].mode).toBe('0700');
    expect(Date.parse(listing.entries[1].modifiedAt)).toBeGreaterThan(0);
    const root = (await call(runner, 'GET', '/v1/dirs/')).json;
    expect(root.path).toBe('');
    expect((await call(runner, 'GET', '/v1/dirs')).json.path).toBe('');
    expect((await call(runner, 'GET', '/v1/stat/d1/f.txt')).json).toMatchObject({
      path: 'd1/f.txt',
      size: 3,
      type: 'file',
    });
    expect((await call(runner, 'GET', '/v1/stat/nope')).status).toBe(404);
    expect((await call(runner, 'GET', '/v1/dirs/d1/f.txt')).json.code).toBe('NOT_A_DIRECTORY');
    expect((await call(runner, 'GET', '/v1/files/d1')).json.code).toBe('IS_A_DIRECTORY');
    expect((await call(runner, 'PUT', '/v1/files/d1', { body: 'x' })).json.code).toBe(
      'IS_A_DIRECTORY',
    );
    expect((await call(runner, 'PUT', '/v1/dirs/d1/f.txt')).json.code).toBe('ALREADY_EXISTS');
    const notEmpty = await call(runner, 'DELETE', '/v1/files/d1');
    expect(notEmpty.status).toBe(409);
    expect(notEmpty.json.code).toBe('DIRECTORY_NOT_EMPTY');
    expect((await call(runner, 'DELETE', '/v1/files/d1/f.txt')).status).toBe(204);
    expect((await call(runner, 'DELETE', '/v1/files/d1?recursive=true')).status).toBe(204);
    expect((await call(runner, 'DELETE', '/v1/files/d1')).status).toBe(404);
    expect((await call(runner, 'DELETE', '/v1/files/')).status).toBe(400);
  });

  it('refuses .., absolute paths outside the root and symlink escapes with 403', async () => {
    const attempts: [string, string][] = [
      ['GET', '/v1/files/../../etc/passwd'],
      ['GET', '/v1/files/%2e%2e/%2e%2e/etc/passwd'],
      ['GET', '/v1/files//etc/passwd'],
      ['GET', '/v1/files/escape/secret.txt'],
      ['GET', '/v1/files/escape-file'],
      ['GET', '/v1/stat/escape-file'],
      ['GET', '/v1/dirs/escape'],
      ['PUT', '/v1/files/escape/new.txt'],
      ['PUT', '/v1/files/escape/deeper/new.txt'],
      ['PUT', '/v1/dirs/escape/sub'],
      ['DELETE', '/v1/files/escape/secret.txt'],
      ['HEAD', '/v1/files/../x'],
    ];
    for (const [method, path] of attempts) {
      const answer = await call(runner, method, path, method === 'PUT' ? { body: 'x' } : {});
      expect(answer.status, `${method} ${path}`).toBe(403);
      if (method !== 'HEAD') expect(answer.json.code).toBe('PATH_OUTSIDE_ROOT');
    }
    expect(await readFile(join(outsideDir, 'secret.txt'), 'utf8')).toBe('secret');
    await expect(stat(join(outsideDir, 'new.txt'))).rejects.toThrow();
    // An absolute path inside the root is fine, and removing the symlink itself is allowed.
    expect(
      (await call(runner, 'PUT', `/v1/files/${runner.root}/abs.txt`, { body: 'in' })).status,
    ).toBe(201);
    expect((await call(runner, 'DELETE', '/v1/files/escape-file')).status).toBe(204);
    expect(await readFile(join(outsideDir, 'secret.txt'), 'utf8')).toBe('secret');
  });

  it('refuses permission problems with 403 PERMISSION_DENIED', async () => {
    if (process.getuid?.() === 0) return; // root bypasses file permissions; nothing to observe
    await mkdir(join(runner.root, 'locked'), { mode: 0o500 });
    const answer = await call(runner, 'PUT', '/v1/files/locked/x', { body: 'x' });
    expect(answer.json.code).toBe('PERMISSION_DENIED');
  });
});
