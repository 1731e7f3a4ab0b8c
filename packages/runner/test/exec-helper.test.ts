import { spawnSync } from 'node:child_process';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ExecHelper } from '../src/exec-helper/exec-helper.js';
import type { HelperChild } from '../src/exec-helper/helper-child.js';

const hasPython =
  spawnSync('/usr/bin/python3', ['-c', 'import ctypes, os; os.pidfd_open']).status === 0;

function run(child: HelperChild) {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d: Buffer) => err.push(d));
  return new Promise<{ code: number | null; signal: string | null; out: string; err: string }>(
    (resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code: number | null, signal: string | null) =>
        resolve({
          code,
          signal,
          out: Buffer.concat(out).toString(),
          err: Buffer.concat(err).toString(),
        }),
      );
    },
  );
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const helpers: ExecHelper[] = [];
afterEach(async () => {
  await Promise.all(helpers.splice(0).map((h) => h.close()));
});

async function start(): Promise<ExecHelper> {
  const helper = await ExecHelper.start();
  expect(helper).toBeDefined();
  helpers.push(helper!);
  return helper!;
}

describe.skipIf(!hasPython)('exec helper (needs /usr/bin/python3 with ctypes)', () => {
  it('runs a command with exactly the given env, cwd and stdin', async () => {
    const helper = await start();
    const dir = await realpath(await mkdtemp(join(tmpdir(), 'corral-helper-')));
    try {
      const child = helper.spawn('/bin/sh', ['-c', 'pwd; env | sort; cat; exit 7'], {
        cwd: dir,
        env: { PATH: '/usr/bin:/bin', ONLY: 'me' },
      });
      child.once('spawn', () => child.stdin.end('from-stdin'));
      const result = await run(child);
      expect(result.code).toBe(7);
      expect(result.signal).toBeNull();
      // dash adds PWD (as it does under child_process.spawn)
      expect(result.out).toBe(`${dir}\nONLY=me\nPATH=/usr/bin:/bin\nPWD=${dir}\nfrom-stdin`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports spawn errors as child_process does', async () => {
    const helper = await start();
    const child = helper.spawn('no-such-program-corral', [], {
      cwd: '/',
      env: { PATH: '/usr/bin' },
    });
    const error = await new Promise<Error & { code?: string }>((resolve) =>
      child.once('error', resolve),
    );
    expect(error.code).toBe('ENOENT');
    expect(error.message).toBe('spawn no-such-program-corral ENOENT');
  });

  it('passes arguments and environment values byte for byte, "=" and non-ASCII included', async () => {
    const helper = await start();
    const args = ['a b', '', 'x=y', 'ünï  cødé', '--flag=1'];
    const child = helper.spawn('/usr/bin/printf', ['%s|', ...args], {
      cwd: '/',
      env: { PATH: '/usr/bin:/bin', WITH_EQ: 'k=v=w', EMPTY: '' },
    });
    expect((await run(child)).out).toBe(`${args.join('|')}|`);
    const env = await run(
      helper.spawn('/bin/sh', ['-c', 'printf "%s|%s" "$WITH_EQ" "${EMPTY-unset}"'], {
        cwd: '/',
        env: { PATH: '/usr/bin:/bin', WITH_EQ: 'k=v=w', EMPTY: '' },
      }),
    );
    expect(env.out).toBe('k=v=w|');
  });

  it('refuses a null byte in an argument, as child_process.spawn does, and keeps serving', async () => {
    const helper = await start();
    expect(() =>
      helper.spawn('echo', ['a\0b'], { cwd: '/', env: { PATH: '/usr/bin:/bin' } }),
    ).toThrow(/contains a null byte/);
    expect(() => helper.spawn('echo', [], { cwd: '/', env: { BAD: 'x\0y' } })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }),
    );
    const ok = await run(
      helper.spawn('echo', ['still here'], { cwd: '/', env: { PATH: '/usr/bin:/bin' } }),
    );
    expect(ok.out).toBe('still here\n');
  });

  it('kills through the helper and reports the signal', async () => {
    const helper = await start();
    const child = helper.spawn('sleep', ['30'], { cwd: '/', env: { PATH: '/usr/bin:/bin' } });
    await new Promise((r) => child.once('spawn', r));
    const done = run(child);
    expect(child.kill('SIGTERM')).toBe(true);
    const result = await done;
    expect(result).toMatchObject({ code: null, signal: 'SIGTERM' });
    expect(alive(child.pid!)).toBe(false);
  });

  it('when the helper dies, kills its commands and reports them killed', async () => {
    const helper = await start();
    const child = helper.spawn('sleep', ['30'], { cwd: '/', env: { PATH: '/usr/bin:/bin' } });
    await new Promise((r) => child.once('spawn', r));
    const done = run(child);
    process.kill(helper.pid!, 'SIGKILL');
    const result = await done;
    expect(result.signal).toBe('SIGKILL');
    expect(result.err).toContain('exec helper exited');
    expect(helper.usable).toBe(false);
    // killed, and reaped by whoever adopted it: no process and no zombie with that pid is ours
    await new Promise((r) => setTimeout(r, 50));
    const stat = spawnSync('ps', ['-o', 'stat=', '-p', String(child.pid)])
      .stdout.toString()
      .trim();
    expect(stat === '' || stat.startsWith('Z')).toBe(true);
  });

  it('closing the helper kills what it still runs and leaves no process', async () => {
    const helper = await ExecHelper.start();
    const child = helper!.spawn('sleep', ['30'], { cwd: '/', env: { PATH: '/usr/bin:/bin' } });
    await new Promise((r) => child.once('spawn', r));
    const done = run(child);
    await helper!.close();
    expect((await done).signal).toBe('SIGKILL');
    expect(alive(helper!.pid!)).toBe(false);
  });
});

describe('exec helper fallback', () => {
  it('is undefined when no interpreter can run it (the runner then spawns)', async () => {
    expect(await ExecHelper.start(undefined, ['/nonexistent/python3'])).toBeUndefined();
  });
});
