/**
 * Red-team W5 (disk) and W16 (mountinfo): the work dir is its own size-limited file system.
 * Filling it stops at the bound with ENOSPC inside, the host disk pays only for what was
 * written, and the sandbox's mount table does not show the host path of its work dir.
 */
import { existsSync } from 'node:fs';
import { readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalProvider, type LocalProvider } from '../../src/local/index.js';
import type { ProvisionedSandbox } from '../../src/provider.js';
import { isRoot, leftovers, runnerExec, tempStateDir } from './helpers.js';

const MiB = 1024 * 1024;

describe.runIf(isRoot)('work dir disk quota (root: a loop-mounted ext4 image)', () => {
  let stateDir: string;
  let provider: LocalProvider;
  let sandbox: ProvisionedSandbox;

  beforeAll(async () => {
    stateDir = await tempStateDir();
    provider = createLocalProvider({ stateDir, isolation: 'bubblewrap' });
    sandbox = await provider.create({ id: 'disk-bound', limits: { diskBytes: 64 * MiB } });
  });
  afterAll(async () => {
    await provider.close();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('reports the bound in info().isolation.limitsApplied', () => {
    expect(sandbox.info.isolation.limitsApplied.diskBytes).toBe(64 * MiB);
    expect(sandbox.info.isolation.warnings.join('\n')).not.toMatch(/disk quota/);
  });

  it('W5: filling the work dir stops at the bound with ENOSPC inside; the host is unaffected', async () => {
    const result = await runnerExec(
      sandbox.endpoint,
      'ls -A; df -k /work | tail -1 | tr -s " " | cut -d" " -f2; dd if=/dev/zero of=/work/fill bs=1M count=200 2>&1; echo "dd=$?"; echo after > /work/small 2>&1; echo "write=$?"',
    );
    const lines = result.stdout.split('\n');
    // an empty work dir (no lost+found), of about the bound
    expect(Number(lines[0])).toBeGreaterThan(50 * 1024);
    expect(Number(lines[0])).toBeLessThanOrEqual(64 * 1024);
    expect(result.stdout).toMatch(/No space left on device/);
    expect(result.stdout).toMatch(/dd=1/);
    // the host side: the image's blocks never pass the bound
    const image = await stat(join(stateDir, 'disk-bound', 'work.img'));
    expect(image.blocks * 512).toBeLessThanOrEqual(64 * MiB);
    // the runner still answers and the sandbox can free space
    const after = await runnerExec(
      sandbox.endpoint,
      'rm /work/fill && echo ok > /work/x && cat /work/x',
    );
    expect(after.stdout.trim()).toBe('ok');
  });

  it("W16: /proc/self/mountinfo does not show the work dir's host path", async () => {
    const result = await runnerExec(sandbox.endpoint, 'grep " /work " /proc/self/mountinfo');
    expect(result.stdout).toMatch(/ \/ \/work /);
    expect(result.stdout).not.toContain(stateDir);
    expect(result.stdout).not.toContain('disk-bound');
  });

  it('delete unmounts the image and leaves nothing', async () => {
    await provider.delete(sandbox.info.id);
    const mounts = await readFile('/proc/self/mountinfo', 'utf8');
    expect(mounts).not.toContain(join(stateDir, 'disk-bound'));
    expect(existsSync(join(stateDir, 'disk-bound'))).toBe(false);
    expect(await leftovers(sandbox.info, 'disk-bound')).toEqual([]);
  });
});
