/**
 * The work disk made ahead of time (docs/decisions/0049): after a provider's second create it
 * keeps one formatted, mounted, empty disk, the next create of that size takes it, and nothing
 * is left behind — by close(), by a normal exit without close(), or (for a process that died)
 * by the next provider on the same state dir.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalProvider } from '../../src/local/index.js';
import { SpareWorkDisk } from '../../src/local/spare-work-disk.js';
import { mountWorkDisk } from '../../src/local/work-disk.js';
import { isRoot, runnerExec, tempStateDir } from './helpers.js';

const MiB = 1024 * 1024;

async function mounted(path: string): Promise<boolean> {
  const table = await readFile('/proc/self/mountinfo', 'utf8');
  return table.split('\n').some((line) => line.split(' ')[4] === path);
}

async function spareDirs(stateDir: string): Promise<string[]> {
  return (await readdir(stateDir)).filter((n) => n.startsWith('.spare-disk-'));
}

async function mountsUnder(stateDir: string): Promise<string[]> {
  const table = await readFile('/proc/self/mountinfo', 'utf8');
  return table
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((p) => p.startsWith(stateDir));
}

describe.runIf(isRoot)('spare work disk (root)', () => {
  let stateDir: string;

  beforeAll(async () => {
    stateDir = await tempStateDir();
  });
  afterAll(async () => {
    expect(await mountsUnder(stateDir)).toEqual([]);
    await rm(stateDir, { recursive: true, force: true });
  });

  it('is made after the second take only, handed over whole, and released by close()', async () => {
    const spare = new SpareWorkDisk(stateDir, 0);
    const targets = ['a', 'b', 'c', 'd'].map((n) => join(stateDir, `target-${n}`));
    for (const t of targets) await mkdir(t, { mode: 0o711 });

    expect(await spare.takeInto(targets[0]!, 32 * MiB)).toBe(false);
    // one create may be all there is: nothing is made for it
    expect(await spare.ready()).toBe(false);
    expect(await spareDirs(stateDir)).toEqual([]);

    expect(await spare.takeInto(targets[1]!, 32 * MiB)).toBe(false);
    expect(await spare.ready()).toBe(true);
    const [made] = await spareDirs(stateDir);
    expect(made).toMatch(new RegExp(`^\\.spare-disk-${process.pid}-\\d+-[a-f0-9]+$`));
    expect(await mounted(join(stateDir, made!, 'work'))).toBe(true);

    expect(await spare.takeInto(targets[2]!, 32 * MiB)).toBe(true);
    expect(await mounted(join(targets[2]!, 'work'))).toBe(true);
    expect(await readdir(join(targets[2]!, 'work'))).toEqual([]); // no lost+found
    expect((await stat(join(targets[2]!, 'work.img'))).size).toBe(32 * MiB);
    expect((await stat(targets[2]!)).mode & 0o777).toBe(0o711);

    // the next spare is of the size asked for last; another size is not served from it
    expect(await spare.ready()).toBe(true);
    expect(await spare.takeInto(targets[3]!, 48 * MiB)).toBe(false);
    expect(await spare.ready()).toBe(true);

    await spare.close();
    expect(await spareDirs(stateDir)).toEqual([]);
    for (const t of targets) {
      await rm(join(t, 'work.img'), { force: true });
      if (await mounted(join(t, 'work'))) {
        const { releaseWorkDisk } = await import('../../src/local/work-disk.js');
        await releaseWorkDisk(t);
      }
      await rm(t, { recursive: true, force: true });
    }
    expect(await mountsUnder(stateDir)).toEqual([]);
  });

  it("a spare left by a process that died is released by the next provider's first spare", async () => {
    // a dead owner: a pid that exited, with a start time that cannot match
    const child = spawn('true');
    const deadPid = await new Promise<number>((r) => child.on('exit', () => r(child.pid!)));
    const orphan = join(stateDir, `.spare-disk-${deadPid}-1-0123456789ab`);
    await mkdir(join(orphan, 'work'), { recursive: true, mode: 0o711 });
    const disk = await mountWorkDisk({
      baseDir: orphan,
      workDir: join(orphan, 'work'),
      bytes: 16 * MiB,
      uid: undefined,
    });
    expect(disk.appliedBytes).toBe(16 * MiB);

    const spare = new SpareWorkDisk(stateDir, 0);
    for (const n of ['e', 'f']) {
      await mkdir(join(stateDir, `target-${n}`));
      await spare.takeInto(join(stateDir, `target-${n}`), 16 * MiB);
    }
    expect(await spare.ready()).toBe(true);
    expect(existsSync(orphan)).toBe(false);
    expect(await mounted(join(orphan, 'work'))).toBe(false);
    await spare.close();
    for (const n of ['e', 'f']) await rm(join(stateDir, `target-${n}`), { recursive: true });
  });

  it('a process that exits without close() leaves no spare and no mount', async () => {
    const script = `
      import { mkdir } from 'node:fs/promises';
      import { SpareWorkDisk } from ${JSON.stringify(fileURLToPath(new URL('../../src/local/spare-work-disk.ts', import.meta.url)))};
      const dir = process.argv[1];
      const spare = new SpareWorkDisk(dir, 0);
      for (const n of ['x', 'y']) { await mkdir(dir + '/t-' + n); await spare.takeInto(dir + '/t-' + n, 16 * 1024 * 1024); }
      if (!(await spare.ready())) process.exit(2);
      console.log('ready');
    `;
    const child = spawn(
      process.execPath,
      [
        '--conditions=@corral/source',
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        script,
        stateDir,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(`${out.trim()} ${code}`, err).toBe('ready 0');
    expect(code).toBe(0);
    expect(await spareDirs(stateDir)).toEqual([]);
    expect(await mountsUnder(stateDir)).toEqual([]);
    for (const n of ['x', 'y']) await rm(join(stateDir, `t-${n}`), { recursive: true });
  });

  it('a provider serves its third create from the spare: bound, owner and writes as usual', async () => {
    const provider = createLocalProvider({ stateDir, isolation: 'bubblewrap' });
    try {
      const limits = { diskBytes: 24 * MiB };
      for (const id of ['spare-1', 'spare-2']) {
        await provider.create({ id, limits });
        await provider.delete(id);
      }
      expect(await provider.whenSpareDiskReady()).toBe(true);
      const [made] = await spareDirs(stateDir);
      const spareInode = (await stat(join(stateDir, made!))).ino;
      const sandbox = await provider.create({ id: 'spare-3', limits });
      // the spare's own directory became the sandbox's
      expect((await stat(join(stateDir, 'spare-3'))).ino).toBe(spareInode);
      expect(sandbox.info.isolation.limitsApplied.diskBytes).toBe(24 * MiB);
      const result = await runnerExec(
        sandbox.endpoint,
        'echo "[$(ls -A /work)]"; stat -c %u /work; id -u; df -k /work | tail -1 | tr -s " " | cut -d" " -f2; echo hi > /work/f && cat /work/f',
      );
      const [listing, owner, self, sizeKb, written] = result.stdout.split('\n');
      expect(listing).toBe('[]');
      // the sandbox's own user owns it, not the root that made the spare
      expect(owner).toBe(self);
      expect(Number(owner)).not.toBe(0);
      expect(Number(sizeKb)).toBeLessThanOrEqual(24 * 1024);
      expect(written).toBe('hi');
      await provider.delete('spare-3');
    } finally {
      await provider.close();
    }
    expect(await spareDirs(stateDir)).toEqual([]);
    expect(await mountsUnder(stateDir)).toEqual([]);
  });
});
