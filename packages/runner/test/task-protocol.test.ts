/* eslint-disable @typescript-eslint/no-unsafe-return -- tests read untyped JSON answers */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { call, jsonBody, startRunner } from './helpers.js';

describe('task protocol (one-shot mode, the default)', () => {
  it('accepts one task, refuses a second, records the result and exits with the task outcome', async () => {
    const runner = await startRunner({ args: [] });
    try {
      expect((await call(runner, 'GET', '/healthz')).json).toMatchObject({
        status: 'ok',
        mode: 'oneshot',
      });
      expect((await call(runner, 'GET', '/task')).json).toEqual({ state: 'idle' });
      const waiting = call(runner, 'GET', '/task?wait=true');
      const accepted = await call(
        runner,
        'POST',
        '/task',
        jsonBody({
          taskID: 't-1',
          message: 'hello',
          // Holds until the test has sent its second task: a one-shot runner exits with its
          // task, and a request arriving after that would find nobody to answer it.
          command:
            'while [ ! -e release ]; do sleep 0.01; done; echo out $CORRAL_TASK_ID; echo err >&2; exit 3',
        }),
      );
      expect(accepted.status).toBe(202);
      expect(accepted.json).toEqual({ status: 'accepted' });
      const second = await call(runner, 'POST', '/task', jsonBody({ taskID: 't-2', message: 'x' }));
      expect(second.status).toBe(409);
      expect(second.json.code).toBe('TASK_ALREADY_ASSIGNED');
      await writeFile(join(runner.root, 'release'), '');
      const done = (await waiting).json;
      expect(done).toMatchObject({
        state: 'exited',
        task: { taskID: 't-1', message: 'hello' },
        commandId: 'task',
        result: {
          exitCode: 3,
          signal: null,
          timedOut: false,
          runnerExitCode: 3,
          stdoutTail: 'out t-1\n',
          stderrTail: 'err\n',
        },
      });
      expect(await runner.exited).toBe(3);
      const lines = runner.logs.map((l) => JSON.parse(l));
      expect(lines.some((l) => l.msg === 'task output' && l.data === 'out t-1\n')).toBe(true);
      expect(lines.some((l) => l.msg === 'task finished' && l.exitCode === 3)).toBe(true);
    } finally {
      await runner.stop();
    }
  });

  it('a task without a command completes at once and the runner exits 0', async () => {
    const runner = await startRunner({ args: [] });
    try {
      expect(
        (await call(runner, 'POST', '/task', jsonBody({ taskID: 'a', message: 'b' }))).status,
      ).toBe(202);
      expect(await runner.exited).toBe(0);
    } finally {
      await runner.stop();
    }
  });

  it('uses CORRAL_RUNNER_TASK_COMMAND when the task names no command, and reports timeouts', async () => {
    const runner = await startRunner({ args: [], env: { CORRAL_RUNNER_TASK_COMMAND: 'sleep 30' } });
    try {
      await call(runner, 'POST', '/task', jsonBody({ taskID: 'a', message: 'b', timeoutMs: 100 }));
      const status = (await call(runner, 'GET', '/task?wait=true&waitMs=20000')).json;
      expect(status.result).toMatchObject({
        timedOut: true,
        signal: 'SIGKILL',
        exitCode: null,
        runnerExitCode: 124,
      });
      expect(await runner.exited).toBe(124);
    } finally {
      await runner.stop();
    }
  });

  it('in serve mode keeps serving after the task and still refuses a second one', async () => {
    const runner = await startRunner();
    try {
      await call(
        runner,
        'POST',
        '/task',
        jsonBody({ taskID: 'a', message: 'b', command: ['true'] }),
      );
      expect((await call(runner, 'GET', '/task?wait=true')).json.result.exitCode).toBe(0);
      expect((await call(runner, 'GET', '/healthz')).status).toBe(200);
      expect(
        (await call(runner, 'POST', '/task', jsonBody({ taskID: 'c', message: 'd' }))).status,
      ).toBe(409);
      const short = await call(runner, 'GET', '/task?wait=true&waitMs=1');
      expect(short.json.state).toBe('exited');
    } finally {
      await runner.stop();
    }
  });

  it('refuses bad input with 400/413 naming the problem, and a refused task leaves the runner free', async () => {
    const runner = await startRunner({ args: ['--mode', 'serve', '--max-body-bytes', '200'] });
    try {
      const bad = await call(runner, 'POST', '/task', {
        body: '{nope',
        headers: { 'content-type': 'application/json' },
      });
      expect(bad.status).toBe(400);
      expect(bad.json.code).toBe('INVALID_JSON');
      const empty = await call(runner, 'POST', '/task', { body: '' });
      expect(empty.json.code).toBe('INVALID_JSON');
      const cases: [unknown, string][] = [
        [[], 'JSON object'],
        [{ message: 'm' }, '"taskID"'],
        [{ taskID: 1, message: 'm' }, '"taskID"'],
        [{ taskID: 'a' }, '"message"'],
        [{ taskID: 'a', message: 'm', command: 5 }, '"command"'],
        [{ taskID: 'a', message: 'm', command: [] }, '"command"'],
        [{ taskID: 'a', message: 'm', env: { A: 1 } }, '"env.A"'],
        [{ taskID: 'a', message: 'm', timeoutMs: -1 }, '"timeoutMs"'],
        [{ taskID: 'a', message: 'm', extra: true }, '"extra"'],
      ];
      for (const [body, field] of cases) {
        const answer = await call(runner, 'POST', '/task', jsonBody(body));
        expect(answer.status, JSON.stringify(body)).toBe(400);
        expect(answer.json.code).toBe('INVALID_ARGUMENT');
        expect(answer.json.message).toContain(field);
      }
      const outside = await call(
        runner,
        'POST',
        '/task',
        jsonBody({ taskID: 'a', message: 'm', cwd: '../..' }),
      );
      expect(outside.status).toBe(403);
      expect(outside.json.code).toBe('PATH_OUTSIDE_ROOT');
      const big = await call(
        runner,
        'POST',
        '/task',
        jsonBody({ taskID: 'a', message: 'x'.repeat(500) }),
      );
      expect(big.status).toBe(413);
      expect(big.json.code).toBe('BODY_TOO_LARGE');
      const wait = await call(runner, 'GET', '/task?wait=maybe');
      expect(wait.status).toBe(400);
      expect(
        (await call(runner, 'POST', '/task', jsonBody({ taskID: 'ok', message: 'm' }))).status,
      ).toBe(202);
    } finally {
      await runner.stop();
    }
  });
});
