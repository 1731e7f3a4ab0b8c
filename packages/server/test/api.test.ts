/* eslint-disable @typescript-eslint/no-explicit-any -- tests read untyped JSON answers */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES, openapiDocument, startServer, type CorralServer } from '@corral/server';
import { client, readSse, tempDir } from './helpers.js';

let server: CorralServer;
let api: ReturnType<typeof client>;
let state: Awaited<ReturnType<typeof tempDir>>;
/** How often each check started, and the gate the `gated` namespace's second check waits on. */
const checkRuns = new Map<string, number>();
let openGate: () => void = () => undefined;
const gate = new Promise<void>((resolve) => (openGate = resolve));

beforeAll(async () => {
  state = await tempDir('corral-serve-api-');
  const staticDir = join(state.dir, 'console');
  await mkdir(join(staticDir, 'assets'), { recursive: true });
  await writeFile(join(staticDir, 'index.html'), '<!doctype html><title>console</title>');
  await writeFile(join(staticDir, 'assets', 'app.js'), 'console.log(1)');
  await writeFile(join(state.dir, 'secret.txt'), 'do not serve');
  const kubeconfig = join(state.dir, 'kubeconfig');
  await writeFile(
    kubeconfig,
    'apiVersion: v1\nkind: Config\ncurrent-context: b\ncontexts:\n- name: a\n  context: {cluster: ca}\n- name: b\n  context: {cluster: cb, namespace: team}\n',
  );
  server = await startServer({
    stateDir: join(state.dir, 'state'),
    port: 0,
    staticDir,
    env: { KUBECONFIG: kubeconfig },
    connectionChecks: async function* (settings) {
      await Promise.resolve();
      if (settings.kubernetes.namespace === 'gated') {
        checkRuns.set('first', (checkRuns.get('first') ?? 0) + 1);
        yield { id: 'first', title: 'First', status: 'ok', detail: 'done once', fix: null };
        await gate;
        checkRuns.set('second', (checkRuns.get('second') ?? 0) + 1);
        yield { id: 'second', title: 'Second', status: 'ok', detail: 'after the gate', fix: null };
        return;
      }
      yield { id: 'provider', title: 'Provider', status: 'running', detail: '', fix: null };
      yield {
        id: 'provider',
        title: 'Provider',
        status: 'ok',
        detail: settings.provider,
        fix: null,
      };
      yield {
        id: 'cluster',
        title: 'Cluster',
        status: 'fail',
        detail: 'unreachable',
        fix: 'check the VPN',
      };
    },
  });
  api = client(server.url, server.token);
});

afterAll(async () => {
  await server?.close();
  await state?.remove();
});

const concrete = (path: string) =>
  path.replace('{id}', 'nope-0').replace('{name}', 'nope').replace('{runnerPath}', 'v1/health');

describe('auth', () => {
  it('answers 401 on every route but /healthz without or with a wrong token (SSE and static too)', async () => {
    const paths = [
      ...ROUTES.map((r) => [r.method, concrete(r.path)] as const),
      ['get', '/assets/app.js'] as const,
      ['get', '/board'] as const,
    ];
    for (const [method, path] of paths) {
      for (const headers of [
        {},
        { authorization: 'Bearer wrong' },
        { cookie: 'corral_token=wrong' },
      ]) {
        const res = await fetch(server.url + path, { method: method.toUpperCase(), headers });
        if (path === '/healthz') {
          expect(res.status).toBe(200);
          continue;
        }
        expect(res.status, `${method} ${path}`).toBe(401);
        expect(((await res.json()) as any).error.code).toBe('UNAUTHORIZED');
      }
    }
  });

  it('trades ?token= for an HttpOnly cookie and a 303 to /', async () => {
    const res = await fetch(`${server.url}/?token=${server.token}`, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/');
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/corral_token=/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const page = await fetch(server.url + '/', { headers: { cookie: cookie.split(';')[0]! } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>console</title>');
    expect((await fetch(`${server.url}/?token=wrong`, { redirect: 'manual' })).status).toBe(401);
  });
  it('answers a browser navigation without a valid token with a readable 401 page', async () => {
    const accept = 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8';
    for (const path of ['/?token=wrong', '/', '/board']) {
      const res = await fetch(server.url + path, { headers: { accept }, redirect: 'manual' });
      expect(res.status, path).toBe(401);
      expect(res.headers.get('content-type'), path).toMatch(/^text\/html/);
      const html = await res.text();
      expect(html, path).toContain('<h1 id="title">Not signed in</h1>');
      expect(html, path).toContain(
        path === '/?token=wrong' ? 'the token in the URL is wrong' : 'no token',
      );
      expect(html, path).not.toContain(server.token);
    }
    // API calls and script/style requests keep the JSON error whatever they accept
    const api401 = await fetch(server.url + '/api/v1/tasks', { headers: { accept } });
    expect(api401.status).toBe(401);
    expect(((await api401.json()) as any).error.code).toBe('UNAUTHORIZED');
  });
});

describe('bad input', () => {
  it('413 on a body over 1 MiB', async () => {
    const res = await api('/api/v1/tasks', {
      method: 'POST',
      json: { prompt: 'x'.repeat(1024 * 1024 + 10) },
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as any).error.code).toBe('BODY_TOO_LARGE');
  });

  it('400 naming an unknown field, nested too, and a bad one', async () => {
    let res = await api('/api/v1/tasks', {
      method: 'POST',
      json: { prompt: 'echo', colour: 'red' },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error).toMatchObject({
      code: 'UNKNOWN_FIELD',
      field: 'colour',
    });
    const settings = (await (await api('/api/v1/settings')).json()) as any;
    res = await api('/api/v1/settings', {
      method: 'PUT',
      json: { ...settings, kubernetes: { ...settings.kubernetes, ctx: 'x' } },
    });
    expect(((await res.json()) as any).error).toMatchObject({
      code: 'UNKNOWN_FIELD',
      field: 'kubernetes.ctx',
    });
    res = await api('/api/v1/settings', { method: 'PUT', json: { ...settings, provider: 'mars' } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error).toMatchObject({
      code: 'INVALID_FIELD',
      field: 'provider',
    });
    res = await api('/api/v1/tasks', {
      method: 'POST',
      body: '{nope',
      headers: { 'content-type': 'application/json' },
    });
    expect(((await res.json()) as any).error.code).toBe('INVALID_JSON');
  });
});

describe('static files', () => {
  it('serves types, falls back to index.html for client routes, and never leaves the directory', async () => {
    const js = await api('/assets/app.js');
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const spa = await api('/board/t-1');
    expect(spa.headers.get('content-type')).toBe('text/html; charset=utf-8');
    for (const evil of [
      '/..%2fsecret.txt',
      '/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      '/assets/..%2f..%2fsecret.txt',
    ]) {
      const res = await api(evil);
      expect(res.status, evil).toBe(403);
      expect(await res.text()).not.toContain('do not serve');
    }
    expect((await api('/api/v1/nothing')).status).toBe(404);
  });
});

describe('the OpenAPI document', () => {
  it('is served, matches the committed file, and every route answers with a documented status', async () => {
    const served = await (await api('/api/v1/openapi.json')).json();
    const committed = JSON.parse(
      await readFile(new URL('../openapi.json', import.meta.url), 'utf8'),
    );
    expect(served).toEqual(committed);
    expect(served).toEqual(openapiDocument());
    for (const [path, item] of Object.entries(
      (served as any).paths as Record<string, Record<string, any>>,
    )) {
      for (const [method, op] of Object.entries(item)) {
        const res = await api(concrete(path), {
          method: method.toUpperCase(),
          redirect: 'manual',
          ...(method === 'get' || method === 'delete'
            ? {}
            : { body: '{}', headers: { 'content-type': 'application/json' } }),
        });
        const body = res.headers.get('content-type')?.includes('json')
          ? ((await res.json()) as any)
          : await res.body?.cancel();
        expect(
          Object.keys(op.responses),
          `${method} ${path} → ${res.status} ${JSON.stringify(body)}`,
        ).toContain(String(res.status));
        expect(body?.error?.code, `${method} ${path}`).not.toBe('NO_ROUTE');
      }
    }
  });
});

describe('settings', () => {
  it('defaults, saves the whole object, lists kube contexts', async () => {
    const defaults = (await (await api('/api/v1/settings')).json()) as any;
    expect(defaults).toMatchObject({ provider: 'local', local: { isolation: 'auto' } });
    const next = {
      ...defaults,
      network: { default: { allow: ['example.com'] } },
      agents: {
        ...defaults.agents,
        apiKeys: { anthropic: { env: 'ANTHROPIC_API_KEY' }, openai: null },
      },
    };
    expect((await api('/api/v1/settings', { method: 'PUT', json: next })).status).toBe(200);
    expect(await (await api('/api/v1/settings')).json()).toEqual(next);
    expect(await (await api('/api/v1/kube/contexts')).json()).toEqual({
      current: 'b',
      contexts: [
        { name: 'a', cluster: 'ca', namespace: null },
        { name: 'b', cluster: 'cb', namespace: 'team' },
      ],
      kubeconfig: expect.stringContaining('kubeconfig'),
    });
  });

  it('streams test-connection checks, then done', async () => {
    const res = await api('/api/v1/test-connection', {
      method: 'POST',
      json: { provider: 'kubernetes' },
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const events = await readSse(res, (e) => e.event === 'done');
    expect(
      events.map((e) => [e.event, String((e.data as { status?: string }).status ?? null)]),
    ).toEqual([
      ['check', 'running'],
      ['check', 'ok'],
      ['check', 'fail'],
      ['done', 'null'],
    ]);
    expect((events[1]!.data as any).detail).toBe('kubernetes');
    expect(events[3]!.data).toEqual({ ok: false, counts: { ok: 1, warn: 0, fail: 1, skip: 0 } });
    expect(events.map((e) => e.id)).toEqual([1, 2, 3, 4]);
  });

  it('resumes a broken test-connection stream from Last-Event-ID without re-running finished checks', async () => {
    const res = await api('/api/v1/test-connection', {
      method: 'POST',
      json: { provider: 'kubernetes', kubernetes: { namespace: 'gated' } },
    });
    const id = res.headers.get('corral-test-id')!;
    expect(id).toMatch(/^tc-[0-9a-f]+$/);
    const resumeAt = res.headers.get('content-location')!;
    expect(resumeAt).toBe(`/api/v1/test-connection/${id}/events`);
    // the client goes away after the first check; the checks go on without it
    const seen = await readSse(res, (e) => e.event === 'check');
    expect(seen).toEqual([
      { id: 1, event: 'check', data: expect.objectContaining({ id: 'first', status: 'ok' }) },
    ]);
    openGate();
    const rest = await readSse(await api(resumeAt, { headers: { 'last-event-id': '1' } }));
    expect(rest.map((e) => [e.id, e.event])).toEqual([
      [2, 'check'],
      [3, 'done'],
    ]);
    expect(rest[0]!.data).toMatchObject({ id: 'second', status: 'ok' });
    expect(rest[1]!.data).toEqual({ ok: true, counts: { ok: 2, warn: 0, fail: 0, skip: 0 } });
    // ?after= works the same; the finished run is replayed, never re-run
    const again = await readSse(await api(`${resumeAt}?after=0`));
    expect(again).toEqual([...seen, ...rest]);
    expect(Object.fromEntries(checkRuns)).toEqual({ first: 1, second: 1 });

    const unknown = await api('/api/v1/test-connection/tc-000000000000/events');
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as any).error.code).toBe('NOT_FOUND');
    const bad = await api(`${resumeAt}?after=x`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).error.field).toBe('after');
  });
});
