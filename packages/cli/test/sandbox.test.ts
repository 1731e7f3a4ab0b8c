import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
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
  state: string;
  labels: Record<string, string>;
}

async function list(): Promise<Listed[]> {
  const run = await corral(['sandbox', 'list', '--json'], { stateDir });
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as Listed[];
}

describe('corral sandbox', () => {
  it('create → list → exec → cp both ways → logs → rm, with the sandbox outliving each command', async () => {
    const created = await corral(['sandbox', 'create', '--label', 'suite=cli'], { stateDir });
    expect(created.code).toBe(0);
    const id = created.stdout.trim();
    expect(id).toMatch(/^sbx-[0-9a-f]+$/);
    expect(created.stderr).toMatch(`corral sandbox rm ${id}`);

    // The creating process has exited; the sandbox is still there and running.
    const table = await corral(['sandbox', 'list'], { stateDir });
    expect(table.stdout).toMatch(/^ID\s+STATE\s+ISOLATION\s+NETWORK\s+AGE\s+EXPIRES\s+LABELS$/m);
    expect(table.stdout).toMatch(
      new RegExp(`^${id}\\s+running\\s+\\w+\\s+none\\s+\\S+\\s+.*suite=cli`, 'm'),
    );

    const exec = await corral(
      ['sandbox', 'exec', id, '--env', 'X=42', '--', 'sh', '-c', 'echo x=$X; exit 5'],
      {
        stateDir,
      },
    );
    expect(exec).toMatchObject({ code: 5, stdout: 'x=42\n' });

    const local = join(stateDir, 'upload.txt');
    await writeFile(local, 'payload\n');
    const up = await corral(['sandbox', 'cp', local, `${id}:inbox/upload.txt`], { stateDir });
    expect(up.code).toBe(0);
    const cat = await corral(['sandbox', 'exec', '--json', id, '--', 'cat', 'inbox/upload.txt'], {
      stateDir,
    });
    expect(JSON.parse(cat.stdout)).toMatchObject({ exitCode: 0, stdout: 'payload\n' });
    const back = join(stateDir, 'back.txt');
    const down = await corral(['sandbox', 'cp', '--json', `${id}:inbox/upload.txt`, back], {
      stateDir,
    });
    expect(JSON.parse(down.stdout)).toMatchObject({ ok: true, bytes: 8 });
    expect(await readFile(back, 'utf8')).toBe('payload\n');

    const logs = await corral(['sandbox', 'logs', id], { stateDir });
    expect(logs).toMatchObject({ code: 0, stdout: 'payload\n' }); // the latest command's output

    const removed = await corral(['sandbox', 'rm', id], { stateDir });
    expect(removed).toMatchObject({ code: 0, stdout: `${id}\n` });
    expect(await list()).toEqual([]);
    // a second rm finds nothing: not found (3), or 0 with --ignore-not-found, as kubectl
    expect((await corral(['sandbox', 'rm', id], { stateDir })).code).toBe(3);
    expect((await corral(['sandbox', 'rm', '--ignore-not-found', id], { stateDir })).code).toBe(0);
  });

  it('rm --all removes every sandbox', async () => {
    const a = (await corral(['sandbox', 'create'], { stateDir })).stdout.trim();
    const b = (await corral(['sandbox', 'create', '--json'], { stateDir })).stdout;
    const bId = (JSON.parse(b) as { sandbox: { id: string } }).sandbox.id;
    const removed = await corral(['sandbox', 'rm', '--all', '--json'], { stateDir });
    expect((JSON.parse(removed.stdout) as { removed: string[] }).removed.sort()).toEqual(
      [a, bId].sort(),
    );
    expect(await list()).toEqual([]);
  });

  it('list, rm and --help never probe isolation: no probe cache appears in the state dir', async () => {
    const dir = await makeStateDir();
    try {
      expect((await corral(['sandbox', 'list'], { stateDir: dir })).code).toBe(0);
      expect(
        (await corral(['sandbox', 'rm', '--ignore-not-found', 'sbx-none'], { stateDir: dir })).code,
      ).toBe(0);
      expect(await readdir(dir)).toEqual([]);
      expect((await corral(['--help'], { stateDir: dir })).code).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('exec on a missing sandbox exits 3 and points at `sandbox list`', async () => {
    const run = await corral(['sandbox', 'exec', 'sbx-missing', '--', 'true'], { stateDir });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/does not exist[\s\S]*Hint: Run `corral sandbox list`/);
  });
});
