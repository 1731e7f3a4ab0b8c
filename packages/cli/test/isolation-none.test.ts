/**
 * Red-team W11 through the CLI: `--isolation none` cannot keep `--network none` (the code would
 * reach the host's loopback services), so the CLI refuses it with the fix, before starting
 * anything; `--network full` is the explicit opt-in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corral, expectNothingLeft, makeStateDir } from './helpers/corral.js';

let stateDir: string;
beforeAll(async () => {
  stateDir = await makeStateDir();
});
afterAll(async () => {
  expect(await expectNothingLeft(stateDir)).toEqual([]);
});

describe('W11: corral run --isolation none', () => {
  it('refuses --network none, and the default (none), saying what is wrong and how to fix it', async () => {
    for (const network of [['--network', 'none'], []]) {
      const run = await corral(['run', '--isolation', 'none', ...network, '--', 'echo', 'ran'], {
        stateDir,
      });
      expect(run.code).toBe(2);
      expect(run.stdout).not.toContain('ran');
      expect(run.stderr).toContain("isolation 'none' cannot keep network mode 'none'");
      expect(run.stderr).toContain('--network full');
    }
  });

  it('runs with the explicit --network full and reports it in --json', async () => {
    const run = await corral(
      ['run', '--isolation', 'none', '--network', 'full', '--json', '--', 'echo', 'ran'],
      { stateDir },
    );
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ exitCode: 0, stdout: 'ran\n' });
  });
});
