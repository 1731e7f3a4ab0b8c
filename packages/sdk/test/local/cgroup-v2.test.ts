/**
 * cgroup v2 delegation for a normal user, against a fake cgroupfs tree in a temp dir (CI runs on
 * cgroup v1, so the real v2 path is untested here; see docs/decisions/0030). The fake files are
 * plain files: writes are recorded, not enforced, which is what these tests read back.
 */
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSandboxCgroup } from '../../src/local/cgroups.js';
import {
  detectDelegatedV2,
  HOST_LEAF,
  ownCgroupDir,
  prepareDelegatedV2,
} from '../../src/local/cgroup-v2-delegation.js';

const MiB = 1024 * 1024;
const SCOPE = 'user.slice/user-1001.slice/user@1001.service/app.slice/run-r1.scope';
const uid = process.getuid?.() ?? -1;
const gids = process.getgroups?.() ?? [];

let mount: string;
let scope: string;

async function cgroup(dir: string, files: Record<string, string>): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
}

beforeEach(async () => {
  mount = await mkdtemp(join(tmpdir(), 'corral-fake-cgroupfs-'));
  scope = join(mount, SCOPE);
  await cgroup(mount, { 'cgroup.controllers': 'cpuset cpu io memory hugetlb pids misc\n' });
  // what `systemd-run --user --scope -p Delegate=yes` leaves: corral and its shell inside
  await cgroup(scope, {
    'cgroup.controllers': 'cpu memory pids\n',
    'cgroup.procs': '4242\n4243\n',
    'cgroup.subtree_control': '\n',
  });
});

afterEach(async () => {
  await rm(mount, { recursive: true, force: true });
});

const detect = (self = `0::/${SCOPE}\n`) =>
  detectDelegatedV2({ mount, selfCgroup: self, uid, gids });

describe('cgroup v2 delegation (fake cgroupfs)', () => {
  it('finds the own cgroup from /proc/self/cgroup, ignoring v1 lines', () => {
    expect(ownCgroupDir(mount, `4:memory:/x\n0::/${SCOPE}\n`)).toBe(scope);
    expect(ownCgroupDir(mount, '4:memory:/x\n')).toBeUndefined();
  });

  it('a delegated scope with memory, cpu and pids: sandboxes go under it', async () => {
    const layout = await detect();
    expect(layout).toEqual({
      version: 'v2',
      mount,
      writable: true,
      delegated: true,
      parents: { memory: scope, cpu: scope, pids: scope },
      hostLeaf: join(scope, HOST_LEAF),
    });
  });

  it('moves its own processes to a leaf, then enables the controllers, then limits the sandbox', async () => {
    const layout = await detect();
    const made = await createSandboxCgroup(layout, 'sbx-1', {
      memoryBytes: 256 * MiB,
      cpus: 0.5,
      maxProcesses: 64,
    });
    // "no internal processes": the scope's processes were moved before subtree_control was written
    expect(await readFile(join(scope, HOST_LEAF, 'cgroup.procs'), 'utf8')).toBe('4242\n4243\n');
    expect(await readFile(join(scope, 'cgroup.subtree_control'), 'utf8')).toBe(
      '+memory +cpu +pids',
    );
    const sbx = join(scope, 'sbx-1');
    expect(made.dirs).toEqual([sbx]);
    expect(made.procsFiles).toEqual([join(sbx, 'cgroup.procs')]);
    expect(await readFile(join(sbx, 'memory.max'), 'utf8')).toBe(String(256 * MiB));
    expect(await readFile(join(sbx, 'memory.swap.max'), 'utf8')).toBe('0');
    expect(await readFile(join(sbx, 'cpu.max'), 'utf8')).toBe('50000 100000');
    expect(await readFile(join(sbx, 'pids.max'), 'utf8')).toBe('64');
    expect(made.applied).toEqual({ memoryBytes: 256 * MiB, cpus: 0.5, maxProcesses: 64 });
    expect(made.notApplied).toEqual({});
    // nothing above the delegated scope was touched
    expect(await readFile(join(mount, 'cgroup.controllers'), 'utf8')).toContain('cpuset');
    await expect(readFile(join(mount, 'cgroup.subtree_control'), 'utf8')).rejects.toThrow(/ENOENT/);
  });

  it('once moved into its corral-host leaf, the delegated cgroup is still its parent', async () => {
    await prepareDelegatedV2(await detect());
    const again = await detect(`0::/${SCOPE}/${HOST_LEAF}\n`);
    expect(again.parents).toEqual({ memory: scope, cpu: scope, pids: scope });
    expect(again.hostLeaf).toBe(join(scope, HOST_LEAF));
  });

  it('not delegated (cgroup.subtree_control not writable): not writable, and says which file', async () => {
    await chmod(join(scope, 'cgroup.subtree_control'), 0o444);
    const layout = await detect();
    expect(layout).toMatchObject({ version: 'v2', writable: false, delegated: false, parents: {} });
    expect(layout.reason).toBe(
      `${scope} is not delegated to uid ${uid} (not writable: cgroup.subtree_control)`,
    );
  });

  it('the root cgroup is never used, even when its files are writable', async () => {
    const layout = await detect('0::/\n');
    expect(layout.writable).toBe(false);
    expect(layout.reason).toMatch(/root cgroup/);
  });

  it('delegated without cpu: memory and pids apply, cpus is reported as not applied with why', async () => {
    await writeFile(join(scope, 'cgroup.controllers'), 'memory pids\n');
    const layout = await detect();
    expect(layout.missing).toEqual(['cpu']);
    expect(layout.parents).toEqual({ memory: scope, pids: scope });
    const made = await createSandboxCgroup(layout, 'sbx-2', { memoryBytes: 64 * MiB, cpus: 1 });
    expect(await readFile(join(scope, 'cgroup.subtree_control'), 'utf8')).toBe('+memory +pids');
    expect(made.applied).toEqual({ memoryBytes: 64 * MiB });
    expect(made.notApplied.cpus).toMatch(/controller 'cpu' is not available.*without the cpu/);
    expect(made.notApplied.cpus).toContain('corral doctor');
    await expect(readFile(join(scope, 'sbx-2', 'cpu.max'), 'utf8')).rejects.toThrow(/ENOENT/);
  });
});
