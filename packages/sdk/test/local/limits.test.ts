/**
 * What `Sandbox.create` says about resource limits: each requested limit is either enforced
 * (`limitsApplied`) or listed with its reason (`limitsNotApplied`), never silently dropped. The
 * non-root CI step (scripts/ci-nonroot.sh) runs this as a normal user without a delegated
 * cgroup, where no limit can be applied.
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sandbox } from '../../src/index.js';
import { createLocalProvider, detectIsolation, type LocalProvider } from '../../src/local/index.js';
import type { ResourceLimits } from '../../src/provider.js';
import { tempStateDir } from './helpers.js';

const MiB = 1024 * 1024;
const requested: ResourceLimits = {
  memoryBytes: 256 * MiB,
  cpus: 0.5,
  maxProcesses: 64,
  diskBytes: 64 * MiB,
};
/** The cgroup limits; the work dir's disk bound needs root whatever the cgroups (decision 0033). */
const cgroupLimits: ResourceLimits = { memoryBytes: 256 * MiB, cpus: 0.5, maxProcesses: 64 };
const { cgroups } = await detectIsolation();

describe('resource limits are applied or reported as not applied, with the reason', () => {
  let stateDir: string;
  let provider: LocalProvider;
  let sandbox: Sandbox;

  beforeAll(async () => {
    stateDir = await tempStateDir();
    provider = createLocalProvider({ stateDir, isolation: 'bubblewrap' });
    sandbox = await Sandbox.create({ provider, limits: requested });
  });

  afterAll(async () => {
    await sandbox?.kill();
    expect(await provider.list()).toEqual([]);
    await provider.close();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('every requested limit is in exactly one of limitsApplied and limitsNotApplied', async () => {
    const { limitsApplied, limitsNotApplied = {} } = (await sandbox.info()).isolation;
    for (const key of Object.keys(requested) as (keyof ResourceLimits)[]) {
      expect([key, key in limitsApplied, key in limitsNotApplied]).toEqual([
        key,
        !(key in limitsNotApplied),
        !(key in limitsApplied),
      ]);
    }
    if (cgroups.writable) {
      // the disk bound needs root (a loop mount) even where the cgroups are delegated
      const asRoot = process.getuid?.() === 0;
      expect(limitsApplied).toEqual(asRoot ? requested : cgroupLimits);
      expect(Object.keys(limitsNotApplied)).toEqual(asRoot ? [] : ['diskBytes']);
    }
  });

  it('as a normal user with a delegated cgroup, every limit is applied', async (ctx) => {
    ctx.skip(
      process.env.CORRAL_TEST_CGROUPS_DELEGATED !== '1',
      "runs in the non-root CI step's delegated pass (CORRAL_TEST_CGROUPS_DELEGATED=1), after root chowned the corral cgroups",
    );
    expect(cgroups).toMatchObject({ writable: true, delegated: true });
    const { limitsApplied, limitsNotApplied = {} } = (await sandbox.info()).isolation;
    expect(limitsApplied).toEqual(cgroupLimits);
    expect(Object.keys(limitsNotApplied)).toEqual(['diskBytes']);
  });

  it('without root and delegation: each limit is reported as not applied, and really is not', async (ctx) => {
    ctx.skip(
      cgroups.writable,
      `this process may write cgroups (${cgroups.version}${cgroups.delegated ? ', delegated' : ', as root'}): the limits are applied, which the test above checks`,
    );
    const info = await sandbox.info();
    expect(info.isolation.limitsApplied).toEqual({});
    const reasons = info.isolation.limitsNotApplied ?? {};
    expect(Object.keys(reasons).sort()).toEqual([
      'cpus',
      'diskBytes',
      'maxProcesses',
      'memoryBytes',
    ]);
    expect(reasons.diskBytes).toMatch(/disk quota not applied/);
    for (const [key, reason] of Object.entries(reasons)) {
      if (key === 'diskBytes') continue;
      expect(reason).toContain(cgroups.reason);
      expect(reason).toContain('corral doctor');
    }
    expect(info.isolation.warnings.join('\n')).toMatch(/resource limits not applied/);
    // honest: 80 processes run although 64 were asked for
    const result = await sandbox.commands.run([
      'sh',
      '-c',
      'for i in $(seq 80); do sleep 30 & done; ls /proc | grep -c "^[0-9]"; kill $(jobs -p)',
    ]);
    expect(Number(result.stdout.trim())).toBeGreaterThan(80);
  });
});
