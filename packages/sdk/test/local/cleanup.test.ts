/**
 * Red-team W9 and W13: cleanup ends exactly what the sandbox made. Deleting a sandbox from
 * another process kills by cgroup, never by uid (a bystander with the same uid survives); a
 * non-root provider removes a work dir the code made unreadable.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLocalProvider } from '../../src/local/index.js';
import { isRoot, leftovers, tempStateDir } from './helpers.js';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe.runIf(isRoot)('cleanup kills by cgroup, not by uid', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('W9: deleting from another provider spares a bystander process with the same uid', async () => {
    const stateDir = await tempStateDir();
    dirs.push(stateDir);
    const owner = createLocalProvider({ stateDir, isolation: 'bubblewrap' });
    const sandbox = await owner.create({ id: 'w9' });
    const uid = sandbox.info.metadata.uid!;
    const bystander = spawn(
      'setpriv',
      [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', 'sleep', '300'],
      { stdio: 'ignore' },
    );
    await new Promise((r) => bystander.once('spawn', r));
    try {
      const other = createLocalProvider({ stateDir });
      await other.delete('w9');
      await other.close();
      expect(alive(bystander.pid!)).toBe(true);
      expect(existsSync(join(stateDir, 'w9'))).toBe(false);
    } finally {
      bystander.kill('SIGKILL');
      await owner.close();
    }
    expect(await leftovers(sandbox.info, 'w9')).toEqual([]);
  });

  // a non-root provider, run as uid 65534 in a child process (the suite itself runs as root)
  it('W13: a non-root provider removes a work dir the code chmodded to 000', async () => {
    const stateDir = await mkdtemp('/tmp/corral-w13-');
    dirs.push(stateDir);
    await chown(stateDir, 65534, 65534);
    const script = `
      import { createLocalProvider } from ${JSON.stringify(new URL('../../src/local/index.ts', import.meta.url).pathname)};
      import { runnerExec } from ${JSON.stringify(new URL('./helpers.ts', import.meta.url).pathname)};
      const p = createLocalProvider({ stateDir: process.argv[1] });
      const sb = await p.create({ id: 'w13' });
      const r = await runnerExec(sb.endpoint, 'mkdir -p a/b && touch a/b/f && chmod 000 a/b a && echo locked');
      await p.delete('w13');
      await p.close();
      console.log(JSON.stringify({ out: r.stdout.trim(), level: sb.info.isolation.level }));`;
    const child = spawn(
      'setpriv',
      [
        '--reuid=65534',
        '--regid=65534',
        '--clear-groups',
        process.execPath,
        '--conditions=@corral/source',
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        script,
        stateDir,
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, HOME: stateDir },
        cwd: process.cwd(),
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise((r) => child.once('close', r));
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout.trim().split('\n').pop()!)).toMatchObject({ out: 'locked' });
    expect(existsSync(join(stateDir, 'w13'))).toBe(false);
  }, 60_000);
});
