/* eslint-disable @typescript-eslint/no-explicit-any -- tests read untyped JSON answers */
import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runnerBundlePath } from '@corral/runner';
import { createRunnerServer } from '../src/server.js';
import { call, jsonBody, startRunner, tempDir, type StartedRunner } from './helpers.js';

const spec = parse(
  await readFile(fileURLToPath(new URL('../openapi.yaml', import.meta.url)), 'utf8'),
);
const METHODS = ['get', 'put', 'post', 'delete', 'head', 'patch'];
const documented: string[] = Object.entries(
  spec.paths as Record<string, Record<string, unknown>>,
).flatMap(([path, item]) =>
  Object.keys(item)
    .filter((k) => METHODS.includes(k))
    .map((m) => `${m.toUpperCase()} ${path}`),
);
const errorCodes: string[] = spec.components.schemas.Error.properties.code.enum;

const LEGACY = ['/', '/execute', '/upload', '/download/{path}', '/list/{path}', '/exists/{path}'];

function assertErrorBody(answer: { status: number; json: any; text: string }, where: string): void {
  const legacyValidation = answer.status === 422 && LEGACY.includes(where.split(' ')[1]!);
  expect(answer.json, `${where}: ${answer.text}`).toEqual({
    code: expect.any(String),
    message: expect.any(String),
    // FastAPI's `detail` only where upstream's clients expect it.
    ...(legacyValidation ? { detail: expect.any(Array) } : {}),
  });
  expect(errorCodes, where).toContain(answer.json.code);
}

function documentedStatuses(route: string): string[] {
  const [method, template] = route.split(' ') as [string, string];
  return Object.keys(spec.paths[template][method.toLowerCase()].responses);
}

let runner: StartedRunner;
beforeAll(async () => {
  runner = await startRunner({ env: { CORRAL_RUNNER_TOKEN: 'tok' }, socket: true });
});
afterAll(() => runner.stop());
const auth = { authorization: 'Bearer tok' };

describe('the OpenAPI document', () => {
  it('documents exactly the routes the server has', async () => {
    const root = await tempDir();
    const server = await createRunnerServer({
      mode: 'serve',
      root,
      maxBodyBytes: 1024,
      maxUploadBytes: 1024,
      outputBufferBytes: 1024,
      legacyExecTimeoutMs: 1000,
      logger: { log() {} },
    });
    const served = server.routes.map(
      (r) => `${r.method} ${r.pattern.replace(/:(\w+)/g, '{$1}').replace(/\*(\w+)/g, '{$1}')}`,
    );
    expect([...served].sort()).toEqual([...documented].sort());
    await server.shutdown(0);
    await rm(root, { recursive: true, force: true });
  });

  it('every documented route answers (not a routing 404/405), and errors match the Error schema', async () => {
    const bg = (
      await call(runner, 'POST', '/v1/commands', {
        ...jsonBody({ cmd: ['sleep', '30'], background: true, keepStdinOpen: true }),
        headers: { ...auth, 'content-type': 'application/json' },
      })
    ).json;
    await call(runner, 'PUT', '/v1/files/doc.txt', { body: 'x', headers: auth });
    for (const route of documented) {
      const [method, template] = route.split(' ') as [string, string];
      const path = template.replace('{id}', bg.id).replace('{path}', 'doc.txt');
      const body = method === 'POST' || method === 'PUT' ? '{}' : undefined;
      const answer = await call(runner, method, path, {
        headers: { ...auth, 'content-type': 'application/json' },
        ...(body ? { body } : {}),
      });
      expect(answer.status, route).not.toBe(405);
      expect(documentedStatuses(route), `${route} answered ${answer.status}`).toContain(
        String(answer.status),
      );
      if (answer.status === 404)
        expect(answer.json?.message ?? '', route).not.toContain('no route');
      if (answer.status >= 400 && method !== 'HEAD') assertErrorBody(answer, route);
      const unauthenticated = await call(runner, method, path);
      if (template === '/healthz') expect(unauthenticated.status).toBe(200);
      else {
        expect(unauthenticated.status, route).toBe(401);
        if (method !== 'HEAD') assertErrorBody(unauthenticated, route);
      }
    }
  });
});

describe('auth', () => {
  it('needs the bearer token everywhere but /healthz, compared exactly', async () => {
    expect((await call(runner, 'GET', '/healthz')).status).toBe(200);
    const none = await call(runner, 'GET', '/v1/commands');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer');
    expect(
      (await call(runner, 'GET', '/v1/commands', { headers: { authorization: 'Bearer tok2' } }))
        .status,
    ).toBe(401);
    expect(
      (await call(runner, 'GET', '/v1/commands', { headers: { authorization: 'Basic tok' } }))
        .status,
    ).toBe(401);
    expect((await call(runner, 'GET', '/v1/commands', { headers: auth })).status).toBe(200);
    expect((await call(runner, 'GET', '/', { headers: auth })).status).toBe(200);
  });

  it('reads the token from --token-file and refuses --token on argv', async () => {
    const dir = await tempDir();
    const { writeFile } = await import('node:fs/promises');
    await writeFile(`${dir}/token`, 'filetok\n');
    const fromFile = await startRunner({
      args: ['--mode', 'serve', '--token-file', `${dir}/token`],
    });
    try {
      expect(
        (await call(fromFile, 'GET', '/task', { headers: { authorization: 'Bearer filetok' } }))
          .status,
      ).toBe(200);
      expect((await call(fromFile, 'GET', '/task')).status).toBe(401);
    } finally {
      await fromFile.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('command line', () => {
  async function exitOf(args: string[]): Promise<{ code: number | null; stderr: string }> {
    const child = spawn(process.execPath, [runnerBundlePath(), ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    return { code, stderr };
  }

  it('exits 2 with a message on bad flags', async () => {
    for (const [args, text] of [
      [['--mode', 'daemon'], '--mode'],
      [['--port', 'x'], '--port'],
      [['--bogus'], 'unknown flag'],
      [['--token', 'x'], 'CORRAL_RUNNER_TOKEN'],
      [['--port'], 'needs a value'],
      [['--root', '/definitely/missing'], 'not an existing directory'],
      [['--token-file', '/definitely/missing'], 'token-file'],
    ] as [string[], string][]) {
      const { code, stderr } = await exitOf(args);
      expect(code, args.join(' ')).toBe(2);
      expect(stderr).toContain(text);
    }
  });

  it('on SIGTERM stops, kills running process groups and exits', async () => {
    const other = await startRunner();
    const started = (
      await call(
        other,
        'POST',
        '/v1/commands',
        jsonBody({ shell: 'sleep 60 & sleep 60', background: true }),
      )
    ).json;
    other.child.kill('SIGTERM');
    expect(await other.exited).toBe(0);
    let alive = true;
    try {
      process.kill(started.pid, 0);
      alive = !(await readFile(`/proc/${started.pid}/stat`, 'utf8')).includes(') Z');
    } catch {
      alive = false;
    }
    expect(alive).toBe(false);
    expect(other.logs.some((l) => l.includes('"msg":"shutting down"'))).toBe(true);
    await other.stop();
  });
});
