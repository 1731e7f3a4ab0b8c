/* eslint-disable @typescript-eslint/no-explicit-any -- tests read untyped JSON answers */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { client, readSse, tempDir } from './helpers.js';
import { killHard, served, serveProcess } from './serve-process.js';

afterAll(() => {
  for (const c of served) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

describe('corral serve killed with -9 while agents run', () => {
  it('resumes the plan awaiting approval (approve → done with the diff) and fails the executing run with SERVER_RESTARTED, prompt and events kept', async () => {
    const state = await tempDir('corral-serve-kill-runs-');
    const stateDir = join(state.dir, 'state');
    try {
      const first = await serveProcess(stateDir);
      let api = client(first.url, first.token);
      const create = async (prompt: string, planFirst: boolean) => {
        const res = await api('/api/v1/tasks', {
          method: 'POST',
          json: { prompt, agent: 'generic', planFirst },
        });
        const task = (await res.json()) as any;
        expect((await api(`/api/v1/tasks/${task.id}/start`, { method: 'POST' })).status).toBe(202);
        return task.id as string;
      };
      const planned = await create('echo planned > result.txt', true);
      const longPrompt = 'echo started\nsleep 600';
      const executing = await create(longPrompt, false);
      await readSse(
        await api(`/api/v1/tasks/${planned}/events`),
        (e) => e.event === 'status' && (e.data as any).status === 'awaiting_approval',
      );
      const before = await readSse(await api(`/api/v1/tasks/${executing}/events`), (e) =>
        JSON.stringify(e.data).includes('started'),
      );

      await killHard(first);

      const second = await serveProcess(stateDir);
      expect(await second.line(/^Recovered:/)).toMatch(
        /1 interrupted task\(s\) marked failed, 1 plan\(s\) awaiting approval resumed/,
      );
      api = client(second.url, second.token);

      const failed = (await (await api(`/api/v1/tasks/${executing}`)).json()) as any;
      expect(failed).toMatchObject({ status: 'failed', prompt: longPrompt });
      expect(failed.error).toMatch(
        /^SERVER_RESTARTED: the server restarted while the agent was running; its sandbox stopped with the server\..*start the task again/,
      );
      expect(failed.error).toContain(`POST /api/v1/tasks/${executing}/start`);
      const events = await readSse(await api(`/api/v1/tasks/${executing}/events?after=0`));
      // what was acknowledged before the crash is all there, then the restart says what happened
      expect(events.slice(0, before.length)).toEqual(before);
      expect(events.slice(before.length).map((e) => e.event)).toEqual(['error', 'status']);
      expect(events.at(-2)!.data).toMatchObject({
        type: 'error',
        code: 'SERVER_RESTARTED',
        fatal: true,
        message: failed.error,
      });
      expect(events.at(-1)!.data).toEqual({ status: 'failed' });

      expect(
        (await api(`/api/v1/tasks/${planned}/approve`, { method: 'POST', json: {} })).status,
      ).toBe(202);
      await readSse(
        await api(`/api/v1/tasks/${planned}/events`),
        (e) => e.event === 'status' && ['done', 'failed'].includes((e.data as any).status),
      );
      expect(((await (await api(`/api/v1/tasks/${planned}`)).json()) as any).status).toBe('done');
      const diff = (await (await api(`/api/v1/tasks/${planned}/diff`)).json()) as any;
      expect(diff.files).toEqual([{ path: 'result.txt', status: 'added' }]);
      expect(diff.diff).toContain('+planned');

      // started again, the failed task runs from its kept prompt
      expect((await api(`/api/v1/tasks/${executing}/start`, { method: 'POST' })).status).toBe(202);
      await readSse(await api(`/api/v1/tasks/${executing}/events`), (e) =>
        JSON.stringify(e.data).includes('started'),
      );
      expect(
        (
          (await (
            await api(`/api/v1/tasks/${executing}/cancel`, { method: 'POST', json: {} })
          ).json()) as any
        ).status,
      ).toBe('failed');

      const exited = new Promise((r) => second.child.once('exit', r));
      second.child.kill('SIGTERM');
      expect(await exited).toBe(0);
      const left = await readdir(join(stateDir, 'sandboxes')).catch(() => []);
      expect(left.filter((n) => !n.startsWith('.'))).toEqual([]);
      expect(await readdir(join(stateDir, 'checkpoints'))).toEqual([]);
    } finally {
      await state.remove();
    }
  }, 120_000); // budget: two cold starts of `corral serve` through tsx (~6 s each under load), four generic runs in sandboxes
});
