import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corral, expectNothingLeft, makeStateDir } from './helpers/corral.js';

let stateDir: string;
beforeAll(async () => {
  stateDir = await makeStateDir();
});
afterAll(async () => {
  expect(await expectNothingLeft(stateDir)).toEqual([]);
});

describe('corral task run', () => {
  it("prints the result and exits with the task's exit code", async () => {
    const run = await corral(
      [
        'task',
        'run',
        '--message',
        'hello task',
        '--task-id',
        'demo-1',
        '--command',
        'echo "got: $CORRAL_TASK_MESSAGE"; exit 4',
      ],
      { stateDir },
    );
    expect(run.code).toBe(4);
    expect(run.stdout).toMatch(/^Task demo-1 exited 4 in \d+\.\d\d s$/m);
    expect(run.stdout).toMatch(/── stdout \(tail\)\ngot: hello task/);
  });

  it('reports the result as JSON with --json', async () => {
    const run = await corral(
      ['task', 'run', '--json', '--message', 'hi', '--command', 'echo done'],
      { stateDir },
    );
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as {
      taskID: string;
      exitCode: number;
      result: Record<string, unknown>;
    };
    expect(result.taskID).toMatch(/^task-[0-9a-f]{8}$/);
    expect(result.exitCode).toBe(0);
    expect(result.result).toMatchObject({ exitCode: 0, timedOut: false, stdoutTail: 'done\n' });
  });
});
