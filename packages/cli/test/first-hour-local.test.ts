/**
 * Issue 13 items 6-8, the local parts, through the built CLI: sandbox lifetimes (EXPIRES column,
 * the one-hour default, enforcement), `rm --all` as root keeping to the caller's sandboxes.
 */
import { existsSync, watch } from 'node:fs';
import {
  access,
  chmod,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corral, expectNothingLeft, makeStateDir } from './helpers/corral.js';

let stateDir: string;
beforeAll(async () => {
  stateDir = await makeStateDir();
});
afterAll(async () => {
  expect(await expectNothingLeft(stateDir)).toEqual([]);
});

interface Listed {
  id: string;
  expiresAt?: string;
  createdAt: string;
  metadata: Record<string, string>;
}

async function list(): Promise<Listed[]> {
  const run = await corral(['sandbox', 'list', '--json'], { stateDir });
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as Listed[];
}

async function create(args: string[] = [], env: Record<string, string> = {}): Promise<string> {
  const run = await corral(['sandbox', 'create', ...args], { stateDir, env });
  expect(run.code, run.stderr).toBe(0);
  return run.stdout.trim();
}

/** Resolves once `dir` no longer exists; driven by fs.watch on its parent, no polling. */
function whenGone(dir: string): Promise<void> {
  return new Promise((resolve) => {
    const watcher = watch(join(dir, '..'));
    const check = (): void => {
      void access(dir).then(
        () => undefined,
        () => {
          watcher.close();
          resolve();
        },
      );
    };
    watcher.on('change', check);
    check();
  });
}

describe('local sandboxes have a lifetime', () => {
  it('a default of one hour, shown by create, list (EXPIRES) and list --json', async () => {
    const created = await corral(['sandbox', 'create'], { stateDir });
    expect(created.code, created.stderr).toBe(0);
    const id = created.stdout.trim();
    try {
      expect(created.stderr).toMatch(/expires in (59m|1h)\)/);
      const [info] = (await list()).filter((s) => s.id === id);
      const lifetimeMs = Date.parse(info!.expiresAt!) - Date.parse(info!.createdAt);
      // counted from when the sandbox is ready, a moment after createdAt
      expect(lifetimeMs).toBeGreaterThanOrEqual(3_600_000);
      expect(lifetimeMs).toBeLessThan(3_660_000);
      const table = await corral(['sandbox', 'list'], { stateDir });
      const [header, row] = table.stdout.trimEnd().split('\n');
      expect(header).toMatch(/\bAGE\s+EXPIRES\s+LABELS\b/);
      expect(row).toMatch(/\bin (59m|1h)\b/);
    } finally {
      await corral(['sandbox', 'rm', id], { stateDir });
    }
  });

  it('--max-lifetime overrides it, and the keeper removes the sandbox when it is up', async () => {
    const id = await create(['--max-lifetime', '3s']);
    const [info] = (await list()).filter((s) => s.id === id);
    const lifetimeMs = Date.parse(info!.expiresAt!) - Date.parse(info!.createdAt);
    expect(lifetimeMs).toBeGreaterThanOrEqual(3000);
    expect(lifetimeMs).toBeLessThan(60_000);
    await whenGone(join(stateDir, id));
    expect((await list()).map((s) => s.id)).not.toContain(id);
  }, 60_000);
});

describe('rm --all as root', () => {
  const root = process.getuid?.() === 0;
  it.skipIf(!root)(
    "removes only the caller's sandboxes unless --all-users (skipped unless root: only root shares a state dir between users)",
    async () => {
      const mine = await create();
      // a sandbox another admin made through sudo
      const theirs = await create([], { SUDO_UID: '4242' });
      expect((await list()).find((s) => s.id === theirs)?.metadata.creatorUid).toBe('4242');
      const removed = await corral(['sandbox', 'rm', '--all'], { stateDir });
      expect(removed.code).toBe(0);
      expect(removed.stdout).toBe(`${mine}\n`);
      expect(removed.stderr).toContain(
        'Kept 1 sandbox of other users; `corral sandbox rm --all --all-users` removes them too.',
      );
      expect((await list()).map((s) => s.id)).toEqual([theirs]);
      // the other admin's own rm --all finds it
      const asThem = await corral(['sandbox', 'rm', '--all', '--json'], {
        stateDir,
        env: { SUDO_UID: '4242' },
      });
      expect(JSON.parse(asThem.stdout)).toMatchObject({ removed: [theirs] });
      const again = await create([], { SUDO_UID: '4242' });
      const all = await corral(['sandbox', 'rm', '--all', '--all-users', '--json'], { stateDir });
      expect(JSON.parse(all.stdout)).toMatchObject({ ok: true, removed: [again] });
      expect(await list()).toEqual([]);
    },
    120_000,
  );

  it('--all-users without --all is a usage error', async () => {
    const run = await corral(['sandbox', 'rm', '--all-users'], { stateDir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--all-users goes with --all');
  });
});

describe('cp -r copies directories both ways', () => {
  async function tree(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'corral-cp-tree-'));
    await mkdir(join(dir, 'proj', 'bin'), { recursive: true });
    await mkdir(join(dir, 'proj', 'sub', 'deep'), { recursive: true });
    await writeFile(join(dir, 'proj', 'README'), 'hello\n', { mode: 0o644 });
    await writeFile(join(dir, 'proj', 'bin', 'run.sh'), '#!/bin/sh\necho ran\n', { mode: 0o755 });
    await writeFile(join(dir, 'proj', 'sub', 'deep', 'secret'), 'x', { mode: 0o600 });
    await symlink('README', join(dir, 'proj', 'readme-link'));
    await chmod(join(dir, 'proj', 'sub'), 0o750);
    return dir;
  }

  it('uploads a tree with its modes, downloads it back identical, refuses escapes', async () => {
    const local = await tree();
    const id = await create();
    try {
      const up = await corral(['sandbox', 'cp', '-r', join(local, 'proj'), `${id}:dest`], {
        stateDir,
      });
      expect(up.code, up.stderr).toBe(0);
      expect(up.stderr).toContain(`Copied 4 files in 4 directories (32 bytes) to ${id}:dest`);
      const listing = await corral(
        [
          'sandbox',
          'exec',
          id,
          '--',
          'sh',
          '-c',
          'cd dest && find . | sort | xargs stat -c "%a %n"',
        ],
        { stateDir },
      );
      expect(listing.stdout.trim().split('\n')).toEqual([
        '755 .',
        '644 ./README',
        '755 ./bin',
        '755 ./bin/run.sh',
        '644 ./readme-link', // a symlink inside the tree is copied as its file
        '750 ./sub',
        '755 ./sub/deep',
        '600 ./sub/deep/secret',
      ]);
      expect(
        (await corral(['sandbox', 'exec', id, '--', 'dest/bin/run.sh'], { stateDir })).stdout,
      ).toBe('ran\n');

      // into an existing directory the copy keeps its name, as cp does
      await mkdir(join(local, 'back'));
      const down = await corral(['sandbox', 'cp', '-r', `${id}:dest`, join(local, 'back')], {
        stateDir,
      });
      expect(down.code, down.stderr).toBe(0);
      const back = join(local, 'back', 'dest');
      expect(await readFile(join(back, 'README'), 'utf8')).toBe('hello\n');
      expect((await stat(join(back, 'bin', 'run.sh'))).mode & 0o777).toBe(0o755);
      expect((await stat(join(back, 'sub'))).mode & 0o777).toBe(0o750);
      expect((await stat(join(back, 'sub', 'deep', 'secret'))).mode & 0o777).toBe(0o600);

      // a symlink in the sandbox pointing out of the tree is not followed onto the host
      await corral(['sandbox', 'exec', id, '--', 'ln', '-s', '/etc', 'dest/etc-link'], {
        stateDir,
      });
      const skipped = await corral(['sandbox', 'cp', '-r', `${id}:dest`, join(local, 'again')], {
        stateDir,
      });
      expect(skipped.code, skipped.stderr).toBe(0);
      expect(skipped.stderr).toContain('Skipped dest/etc-link (a symlink)');
      await expect(lstat(join(local, 'again', 'etc-link'))).rejects.toThrow(/ENOENT/);

      // nor is a host symlink inside the target written through
      await mkdir(join(local, 'trap'));
      await mkdir(join(local, 'outside'));
      await symlink(join(local, 'outside'), join(local, 'trap', 'sub'));
      const trapped = await corral(
        ['sandbox', 'cp', '-r', `${id}:dest`, join(local, 'trap', 'x')],
        {
          stateDir,
        },
      );
      expect(trapped.code).toBe(0);
      const intoLink = await corral(
        ['sandbox', 'cp', '-r', `${id}:dest/sub`, join(local, 'trap')],
        {
          stateDir,
        },
      );
      expect(intoLink.code).toBe(5);
      expect(intoLink.stderr).toContain(
        `Refusing to copy into ${join(local, 'trap', 'sub')}: it exists and is a symlink`,
      );
      expect(await readdir(join(local, 'outside'))).toEqual([]);

      // a host symlink leaving the source tree is refused, nothing copied through it
      await symlink('/etc/hostname', join(local, 'proj', 'escape'));
      const refused = await corral(['sandbox', 'cp', '-r', join(local, 'proj'), `${id}:other`], {
        stateDir,
      });
      expect(refused.code).toBe(5);
      expect(refused.stderr).toContain('it is a symlink to /etc/hostname, outside');

      // without -r a directory is a usage error either way
      const noR = await corral(['sandbox', 'cp', `${id}:dest`, join(local, 'x')], { stateDir });
      expect(noR.code).toBe(2);
      expect(noR.stderr).toContain('cp copies one file; pass -r for a directory');
    } finally {
      await corral(['sandbox', 'rm', id], { stateDir });
      await rm(join(local), { recursive: true, force: true });
    }
  }, 180_000);
});

describe('doctor tells the truth about gVisor', () => {
  it.skipIf(!existsSync('/usr/bin/runsc') && !existsSync('/usr/local/bin/runsc'))(
    'its verdict matches what `ls /`, `stat /` and a file write do in a gVisor sandbox (skipped without runsc: there is no gVisor to check)',
    async () => {
      const doctor = await corral(['doctor', '--provider', 'local', '--json'], { stateDir });
      const report = JSON.parse(doctor.stdout) as {
        checks: Array<{
          id: string;
          status: string;
          detail: string;
          data?: { gvisor?: { available: boolean; warnings?: string[] } };
        }>;
      };
      const check = report.checks.find((c) => c.id === 'local-isolation')!;
      const gvisor = check.data!.gvisor!;
      const run = await corral(
        [
          'run',
          '--isolation',
          'gvisor',
          '--',
          'sh',
          '-c',
          'stat / >/dev/null && ls / >/dev/null && echo ok > /tmp/f && cat /tmp/f',
        ],
        { stateDir },
      );
      if (!gvisor.available) {
        expect(run.code).not.toBe(0);
      } else if ((gvisor.warnings ?? []).length === 0) {
        // doctor says gVisor is fine: then the tools work
        expect(run).toMatchObject({ code: 0, stdout: 'ok\n' });
      } else {
        // doctor warns, names what fails, and that is what fails
        expect(check.status).toBe('warn');
        expect(check.detail).toContain('ls /:');
        expect(run.code).not.toBe(0);
        expect(run.stderr).toMatch(/cannot (access|statx) '\/': Invalid argument/);
      }
    },
    180_000,
  );
});
