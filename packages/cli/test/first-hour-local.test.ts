/**
 * Issue 13 items 6-8, the local parts, through the built CLI: sandbox lifetimes (EXPIRES column,
 * the one-hour default, enforcement), `rm --all` as root keeping to the caller's sandboxes.
 */
import { watch } from 'node:fs';
import { access } from 'node:fs/promises';
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
