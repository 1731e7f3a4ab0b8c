/* eslint-disable @typescript-eslint/no-explicit-any -- tests read untyped JSON answers */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startServer } from '@corral/server';
import { client, readSse, tempDir } from './helpers.js';

const awaiting = (e: { event: string; data: unknown }) =>
  e.event === 'status' && (e.data as any).status === 'awaiting_approval';

describe('a plan awaiting approval across a server restart', () => {
  it('is resumed from its checkpoint: approve runs the kept plan on the workspace it was made against; reject cleans up', async () => {
    const state = await tempDir('corral-serve-resume-');
    const stateDir = join(state.dir, 'state');
    const workspace = join(state.dir, 'ws');
    await mkdir(workspace);
    await writeFile(join(workspace, 'a.txt'), 'v1\n');
    try {
      const first = await startServer({ stateDir, port: 0 });
      let api = client(first.url, first.token);
      const plan = async (prompt: string) => {
        const task = (await (
          await api('/api/v1/tasks', {
            method: 'POST',
            json: { prompt, agent: 'generic', planFirst: true, workspace: { dir: workspace } },
          })
        ).json()) as any;
        expect((await api(`/api/v1/tasks/${task.id}/start`, { method: 'POST' })).status).toBe(202);
        const seen = await readSse(await api(`/api/v1/tasks/${task.id}/events`), awaiting);
        return { id: task.id as string, runId: task.runId as string | null, seen };
      };
      // the generic agent keeps its plan (the script) in $HOME: executing it needs $HOME back
      const approved = await plan('cat a.txt > copy.txt\necho copied');
      const rejected = await plan('touch never.txt');
      const checkpoints = await readdir(join(stateDir, 'checkpoints'));
      expect(checkpoints).toHaveLength(2);
      await first.close();

      // the host copy changes while the server is down; the plan was made against v1
      await writeFile(join(workspace, 'a.txt'), 'v2\n');
      // a resumed plan not yet decided is let go again by the next stop, and resumed again
      const between = await startServer({ stateDir, port: 0 });
      expect([...between.recovered.resumedTasks].sort()).toEqual([approved.id, rejected.id].sort());
      await between.close();
      const second = await startServer({ stateDir, port: 0 });
      try {
        expect([...second.recovered.resumedTasks].sort()).toEqual(
          [approved.id, rejected.id].sort(),
        );
        expect(second.recovered.failedTasks).toEqual([]);
        api = client(second.url, second.token);
        for (const id of [approved.id, rejected.id])
          expect(((await (await api(`/api/v1/tasks/${id}`)).json()) as any).status).toBe(
            'awaiting_approval',
          );
        // nothing runs (no sandbox) while a resumed plan waits
        expect(((await (await api('/api/v1/sandboxes')).json()) as any).items).toEqual([]);

        const cursor = approved.seen.at(-1)!.id!;
        expect(
          (await api(`/api/v1/tasks/${approved.id}/approve`, { method: 'POST', json: {} })).status,
        ).toBe(202);
        const rest = await readSse(
          await api(`/api/v1/tasks/${approved.id}/events`, {
            headers: { 'last-event-id': String(cursor) },
          }),
        );
        // the same stream goes on: ids continue after the last one seen before the restart
        expect(rest[0]!.id).toBe(cursor + 1);
        expect(rest.at(-1)).toMatchObject({ event: 'status', data: { status: 'done' } });
        const done = (await (await api(`/api/v1/tasks/${approved.id}`)).json()) as any;
        expect(done).toMatchObject({ status: 'done', error: null });
        const diff = (await (await api(`/api/v1/tasks/${approved.id}/diff`)).json()) as any;
        expect(diff.files).toEqual([{ path: 'copy.txt', status: 'added' }]);
        expect(diff.diff).toContain('+v1');

        const afterReject = (await (
          await api(`/api/v1/tasks/${rejected.id}/reject`, { method: 'POST', json: {} })
        ).json()) as any;
        expect(afterReject.status).toBe('failed');
        expect(((await (await api('/api/v1/sandboxes')).json()) as any).items).toEqual([]);
        expect(await readdir(join(stateDir, 'checkpoints'))).toEqual([]);
      } finally {
        await second.close();
      }
      const left = await readdir(join(stateDir, 'sandboxes')).catch(() => []);
      expect(left.filter((n) => !n.startsWith('.'))).toEqual([]);
    } finally {
      await state.remove();
    }
  }, 120_000); // budget: three server starts and three generic runs in real sandboxes, on a loaded machine

  it('a plan over the checkpoint bound still waits in its kept sandbox, says it will not survive, and ends when the server stops', async () => {
    const state = await tempDir('corral-serve-resume-big-');
    const stateDir = join(state.dir, 'state');
    try {
      // a tar of even an empty workspace is over 100 bytes
      const first = await startServer({ stateDir, port: 0, maxCheckpointBytes: 100 });
      let api = client(first.url, first.token);
      const create = async () => {
        const task = (await (
          await api('/api/v1/tasks', {
            method: 'POST',
            json: { prompt: 'echo kept > kept.txt', agent: 'generic', planFirst: true },
          })
        ).json()) as any;
        await api(`/api/v1/tasks/${task.id}/start`, { method: 'POST' });
        return {
          id: task.id as string,
          seen: await readSse(await api(`/api/v1/tasks/${task.id}/events`), awaiting),
        };
      };
      const approvedInPlace = await create();
      const warning = approvedInPlace.seen.find((e) => e.event === 'error')!.data as any;
      expect(warning).toMatchObject({ code: 'CHECKPOINT_TOO_LARGE', fatal: false });
      expect(warning.message).toMatch(/^the plan will not survive a server restart: /);
      // the kept sandbox path is unaffected
      await api(`/api/v1/tasks/${approvedInPlace.id}/approve`, { method: 'POST', json: {} });
      await readSse(
        await api(`/api/v1/tasks/${approvedInPlace.id}/events`, {
          headers: { 'last-event-id': String(approvedInPlace.seen.at(-1)!.id) },
        }),
      );
      expect(
        ((await (await api(`/api/v1/tasks/${approvedInPlace.id}/diff`)).json()) as any).files,
      ).toEqual([{ path: 'kept.txt', status: 'added' }]);

      // without a checkpoint, a graceful stop ends the plan (a crash: the next start does)
      const lost = await create();
      await first.close();
      const second = await startServer({ stateDir, port: 0 });
      try {
        expect(second.recovered).toMatchObject({ failedTasks: [], resumedTasks: [] });
        api = client(second.url, second.token);
        const task = (await (await api(`/api/v1/tasks/${lost.id}`)).json()) as any;
        expect(task.status).toBe('failed');
        expect(task.error).toBe(
          'SERVER_SHUTDOWN: the server was stopped while the agent ran; start the task again',
        );
      } finally {
        await second.close();
      }
    } finally {
      await state.remove();
    }
  }, 120_000); // budget: two server starts and two generic runs in real sandboxes, on a loaded machine
});
