/**
 * `corral doctor`'s local check says how to get each missing resource limit (decision 0030):
 * the advice for each cgroup setup, and the real check on this host (run by the main suite as
 * root and by the non-root CI step as a normal user).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CgroupLayout, IsolationReport } from '@corral/sdk';
import { limitsAdvice } from '../../src/commands/doctor/limits-advice.js';
import { localIsolationCheck } from '../../src/commands/doctor/local-check.js';
import type { DoctorState } from '../../src/commands/doctor/types.js';

const works = { available: true, path: '/usr/bin/bwrap' };
function report(root: boolean, cgroups: CgroupLayout): IsolationReport {
  return {
    root,
    uid: root ? 0 : 1001,
    gvisor: { available: false, skipped: true },
    bubblewrap: works,
    unshare: works,
    cgroups,
  };
}
const all = { memory: '/sys/fs/cgroup/x', cpu: '/sys/fs/cgroup/x', pids: '/sys/fs/cgroup/x' };

describe('doctor: how to get each missing limit', () => {
  it('root on cgroup v1: everything enforced, nothing to fix', () => {
    const advice = limitsAdvice(
      report(true, { version: 'v1', writable: true, delegated: false, parents: all }),
    );
    expect(advice).toEqual({
      summary: 'memory, cpu and pids limits via cgroups v1 (root)',
      missing: [],
    });
  });

  it('a normal user on cgroup v2 without delegation: systemd-run scope or a user@.service drop-in', () => {
    const advice = limitsAdvice(
      report(false, {
        version: 'v2',
        writable: false,
        delegated: false,
        parents: {},
        reason: '/sys/fs/cgroup/user.slice/x is not delegated to uid 1001',
      }),
    );
    expect(advice.missing).toEqual(['memory', 'cpu', 'pids']);
    expect(advice.summary).toContain('not delegated to uid 1001');
    expect(advice.fix).toContain('systemd-run --user --scope -p Delegate=yes corral');
    expect(advice.fix).toContain('/etc/systemd/system/user@.service.d/delegate.conf');
    expect(advice.fix).toContain('Delegate=memory pids cpu');
    expect(advice.fix).toContain('limitsNotApplied');
  });

  it('a delegated v2 cgroup without cpu: only cpu is missing, and the drop-in delegates it', () => {
    const advice = limitsAdvice(
      report(false, {
        version: 'v2',
        writable: true,
        delegated: true,
        parents: { memory: all.memory, pids: all.pids },
        missing: ['cpu'],
        reason: '/sys/fs/cgroup/x is delegated without the cpu controller',
      }),
    );
    expect(advice.missing).toEqual(['cpu']);
    expect(advice.summary).toMatch(/^memory, pids limits via cgroups v2; not cpu/);
    expect(advice.fix).toMatch(/delegated without cpu.*Delegate=memory pids cpu/);
  });

  it('a normal user on cgroup v1: root can chown a corral cgroup per controller', () => {
    const advice = limitsAdvice(
      report(false, { version: 'v1', writable: false, delegated: false, parents: {} }),
    );
    expect(advice.fix).toContain(
      'mkdir -p /sys/fs/cgroup/$c/corral && chown 1001 /sys/fs/cgroup/$c/corral',
    );
  });
});

describe('doctor: the local check on this host', () => {
  it('ok with every limit as root; a warning with the fix as a normal user without delegation', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'corral-doctor-'));
    try {
      const state = {
        options: { mode: 'local', runtimeClass: 'gvisor' },
        env: { CORRAL_STATE_DIR: stateDir },
      } as DoctorState;
      const outcome = await localIsolationCheck.run(state, new AbortController().signal);
      const data = outcome.data as {
        limits: boolean;
        limitsMissing: string[];
        gvisor: { available: boolean; warnings?: string[] };
      };
      if (data.gvisor.available && (data.gvisor.warnings ?? []).length > 0) {
        // an old runsc here: gVisor runs, ordinary tools do not (first-hour-local.test.ts)
        expect(outcome.status).toBe('warn');
        expect(outcome.detail).toContain('ordinary tools fail');
        expect(outcome.fix).toContain('Upgrade gVisor');
      } else if (data.limits && data.limitsMissing.length === 0) {
        expect(outcome.status).toBe('ok');
        expect(outcome.detail).toContain('memory, cpu and pids limits via cgroups');
      } else {
        expect(process.getuid?.()).not.toBe(0);
        expect(outcome.status).toBe('warn');
        expect(outcome.detail).toMatch(/no memory, cpu or pids limits|not (memory|cpu|pids)/);
        expect(outcome.fix).toMatch(/delegat/);
      }
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});
