/* eslint-disable @typescript-eslint/no-explicit-any -- tests read untyped JSON answers */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type CorralServer } from '@corral/server';
import { client, readSse, tempDir } from './helpers.js';

let server: CorralServer;
let api: ReturnType<typeof client>;
let state: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  state = await tempDir('corral-serve-runs-');
  server = await startServer({ stateDir: join(state.dir, 'state'), port: 0 });
  api = client(server.url, server.token);
});

afterAll(async () => {
  await server?.close();
  // nothing left: no sandbox directories under the server's local provider
  const left = await readdir(join(state.dir, 'state', 'sandboxes')).catch(() => []);
  expect(left.filter((n) => !n.startsWith('.'))).toEqual([]);
  await state?.remove();
});

describe('sandboxes', () => {
  it('create, list, exec with streamed output, files (403 outside the work dir), kill', async () => {
    const created = await api('/api/v1/sandboxes', {
      method: 'POST',
      json: { labels: { team: 'a' } },
    });
    expect(created.status).toBe(201);
    const sbx = (await created.json()) as any;
    expect(sbx).toMatchObject({
      provider: 'local',
      state: 'running',
      labels: { team: 'a' },
      owner: server.owner,
    });
    const listed = (await (await api('/api/v1/sandboxes')).json()) as any;
    expect((listed.items as { id: string }[]).map((s) => s.id)).toContain(sbx.id);

    const exec = await api(`/api/v1/sandboxes/${sbx.id}/exec`, {
      method: 'POST',
      json: { command: ['sh', '-c', 'echo one; echo err >&2; sleep 0.2; echo two; exit 3'] },
    });
    const events = await readSse(exec, (e) => e.event === 'exit');
    const out = events
      .filter((e) => e.event === 'stdout')
      .map((e) => (e.data as { text: string }).text)
      .join('');
    expect(out).toBe('one\ntwo\n');
    expect(
      events
        .filter((e) => e.event === 'stderr')
        .map((e) => (e.data as { text: string }).text)
        .join(''),
    ).toBe('err\n');
    expect(events.at(-1)).toMatchObject({ event: 'exit', data: { exitCode: 3, signal: null } });
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));

    expect(
      (
        await api(`/api/v1/sandboxes/${sbx.id}/files?path=notes/a.txt`, {
          method: 'PUT',
          body: 'hello',
        })
      ).status,
    ).toBe(204);
    expect(await (await api(`/api/v1/sandboxes/${sbx.id}/files?path=notes/a.txt`)).text()).toBe(
      'hello',
    );
    const list = (await (
      await api(`/api/v1/sandboxes/${sbx.id}/files/list?path=notes`)
    ).json()) as any;
    expect(list.entries).toEqual([{ name: 'a.txt', type: 'file', size: 5 }]);
    for (const evil of ['../etc/passwd', '/etc/passwd', 'notes/../../x', '/work/../etc']) {
      const res = await api(`/api/v1/sandboxes/${sbx.id}/files?path=${encodeURIComponent(evil)}`);
      expect(res.status, evil).toBe(403);
      expect(((await res.json()) as any).error).toMatchObject({
        code: 'PATH_OUTSIDE_WORKDIR',
        field: 'path',
      });
    }
    expect((await api(`/api/v1/sandboxes/${sbx.id}/files/list?path=..`)).status).toBe(403);

    expect((await api(`/api/v1/sandboxes/${sbx.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await api(`/api/v1/sandboxes/${sbx.id}`, { method: 'DELETE' })).status).toBe(404);
    expect(((await (await api('/api/v1/sandboxes')).json()) as any).items).toEqual([]);
    expect(await server.store.listSandboxes()).toEqual([]);
  });
});

describe('tasks with the generic agent', () => {
  it('backlog → in_progress → awaiting_approval → approve → done, with events, resume and diff', async () => {
    const created = await api('/api/v1/tasks', {
      method: 'POST',
      json: {
        prompt: 'echo planned > result.txt\necho wrote it',
        agent: 'generic',
        planFirst: true,
      },
    });
    expect(created.status).toBe(201);
    const task = (await created.json()) as any;
    expect(task).toMatchObject({
      status: 'backlog',
      agent: 'generic',
      planFirst: true,
      runId: null,
      title: 'echo planned > result.txt',
    });
    expect((await api(`/api/v1/tasks/${task.id}/diff`)).status).toBe(404);

    const started = await api(`/api/v1/tasks/${task.id}/start`, { method: 'POST' });
    expect(started.status).toBe(202);
    expect(((await started.json()) as any).status).toBe('in_progress');

    const untilAwaiting = await readSse(
      await api(`/api/v1/tasks/${task.id}/events`),
      (e) => e.event === 'status' && (e.data as any).status === 'awaiting_approval',
    );
    const plan = untilAwaiting.find((e) => e.event === 'plan.ready')!.data as any;
    expect(plan.plan).toContain('echo planned > result.txt');
    expect(untilAwaiting.map((e) => e.event)).toContain('awaiting.approval');
    expect(((await (await api(`/api/v1/tasks/${task.id}`)).json()) as any).status).toBe(
      'awaiting_approval',
    );

    // PATCH is for backlog only; approving twice is a conflict
    expect(
      (await api(`/api/v1/tasks/${task.id}`, { method: 'PATCH', json: { title: 'x' } })).status,
    ).toBe(409);
    const approved = await api(`/api/v1/tasks/${task.id}/approve`, {
      method: 'POST',
      json: { feedback: 'go' },
    });
    expect(approved.status).toBe(202);
    expect((await api(`/api/v1/tasks/${task.id}/approve`, { method: 'POST' })).status).toBe(409);

    // resume after the last event seen: only later events, ending with the run
    const cursor = untilAwaiting.at(-1)!.id!;
    const rest = await readSse(
      await api(`/api/v1/tasks/${task.id}/events`, {
        headers: { 'last-event-id': String(cursor) },
      }),
    );
    expect(rest[0]!.id).toBe(cursor + 1);
    expect(rest.map((e) => e.event)).toEqual(
      expect.arrayContaining(['assistant.text', 'file.changed', 'result', 'status']),
    );
    expect(rest.at(-1)).toMatchObject({ event: 'status', data: { status: 'done' } });
    const all = await readSse(await api(`/api/v1/tasks/${task.id}/events?after=0`));
    expect(all.map((e) => e.id)).toEqual(all.map((_, i) => i + 1));
    expect(all.slice(cursor)).toEqual(rest);

    const done = (await (await api(`/api/v1/tasks/${task.id}`)).json()) as any;
    expect(done).toMatchObject({
      status: 'done',
      error: null,
      usage: { inputTokens: 0, outputTokens: 0 },
    });
    const diff = (await (await api(`/api/v1/tasks/${task.id}/diff`)).json()) as any;
    expect(diff.files).toEqual([{ path: 'result.txt', status: 'added' }]);
    expect(diff.diff).toContain('+planned');
    expect(((await (await api('/api/v1/sandboxes')).json()) as any).items).toEqual([]);
  });

  it('a rejected plan fails the task and removes its sandbox; delete removes the task', async () => {
    const task = (await (
      await api('/api/v1/tasks', { method: 'POST', json: { prompt: 'touch x', planFirst: true } })
    ).json()) as any;
    await api(`/api/v1/tasks/${task.id}/start`, { method: 'POST' });
    await readSse(
      await api(`/api/v1/tasks/${task.id}/events`),
      (e) => e.event === 'status' && (e.data as any).status === 'awaiting_approval',
    );
    const rejected = (await (
      await api(`/api/v1/tasks/${task.id}/reject`, { method: 'POST' })
    ).json()) as any;
    expect(rejected.status).toBe('failed');
    expect(((await (await api('/api/v1/sandboxes')).json()) as any).items).toEqual([]);
    expect((await api(`/api/v1/tasks/${task.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await api(`/api/v1/tasks/${task.id}`)).status).toBe(404);
  });
});
