/**
 * The CLI shows which resource limits are enforced (decision 0030): as root they are applied; as
 * a normal user without a delegated cgroup (the non-root CI step) each one is reported as not
 * applied, with the reason, in `sandbox create` and `run` output and their `--json`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corral, expectNothingLeft, makeStateDir } from './helpers/corral.js';

const MiB = 1024 * 1024;
const asRoot = process.getuid?.() === 0;
let stateDir: string;
beforeAll(async () => {
  stateDir = await makeStateDir();
});
afterAll(async () => {
  expect(await expectNothingLeft(stateDir)).toEqual([]);
});

describe('corral and resource limits', () => {
  it('sandbox create --json and its text output say which limits are not enforced, and why', async () => {
    const created = await corral(
      ['sandbox', 'create', '--memory', '256m', '--pids', '64', '--json'],
      {
        stateDir,
      },
    );
    expect(created.code).toBe(0);
    const { sandbox } = JSON.parse(created.stdout) as {
      sandbox: {
        id: string;
        isolation: { limitsApplied: object; limitsNotApplied?: Record<string, string> };
      };
    };
    const text = await corral(['sandbox', 'create', '--memory', '256m'], { stateDir });
    expect(text.code).toBe(0);
    try {
      if (asRoot) {
        expect(sandbox.isolation.limitsApplied).toEqual({
          memoryBytes: 256 * MiB,
          maxProcesses: 64,
          diskBytes: 10 * 1024 * MiB, // the default work dir bound (decision 0033)
        });
        expect(sandbox.isolation.limitsNotApplied).toEqual({});
        expect(text.stderr).not.toContain('not applied');
      } else {
        expect(sandbox.isolation.limitsApplied).toEqual({});
        const reasons = sandbox.isolation.limitsNotApplied ?? {};
        expect(Object.keys(reasons).sort()).toEqual(['diskBytes', 'maxProcesses', 'memoryBytes']);
        expect(reasons.memoryBytes).toMatch(/cgroup.*corral doctor/);
        expect(text.stderr).toMatch(
          /Warning: resource limits not applied \(memoryBytes, maxProcesses\)/,
        );
      }
    } finally {
      const removed = await corral(['sandbox', 'rm', sandbox.id, text.stdout.trim()], { stateDir });
      expect(removed.code).toBe(0);
    }
  });

  it('run --json reports limitsNotApplied exactly when a limit is not enforced', async () => {
    const run = await corral(['run', '--json', '--cpus', '0.5', '--', 'true'], { stateDir });
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as { limitsNotApplied?: Record<string, string> };
    if (asRoot) expect(result.limitsNotApplied).toBeUndefined();
    else
      expect(Object.keys(result.limitsNotApplied ?? {}).sort()).toEqual([
        'cpus',
        'diskBytes',
        'maxProcesses',
        'memoryBytes',
      ]);
  });
});
