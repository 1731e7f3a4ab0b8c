/**
 * Issue 13's walk-through, through the built CLI as a user runs it: stdin is forwarded, and user
 * mistakes are reported as such (exit codes 127/2/3, with a fix) instead of as Corral bugs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corral, expectNothingLeft, makeStateDir } from './helpers/corral.js';

let stateDir: string;
beforeAll(async () => {
  stateDir = await makeStateDir();
});
afterAll(async () => {
  expect(await expectNothingLeft(stateDir)).toEqual([]);
});

const lines = (n: number): string => Array.from({ length: n }, (_, i) => `${i + 1}\n`).join('');

describe('stdin is forwarded when it is not a terminal', () => {
  it('echo hi | corral run -- cat prints hi', async () => {
    const run = await corral(['run', '--', 'cat'], { stateDir, stdin: 'hi\n' });
    expect(run).toMatchObject({ code: 0, stdout: 'hi\n' });
  });

  it('seq 1 1000 | corral run -- wc -l prints 1000', async () => {
    const run = await corral(['run', '--', 'wc', '-l'], { stateDir, stdin: lines(1000) });
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe('1000');
  });

  it('streams an input that is still open when the command starts, bytes intact', async () => {
    // 3 MiB of binary data is over the inline limit, so it goes through the streamed path.
    const data = Buffer.alloc(3 * 1024 * 1024);
    for (let i = 0; i < data.length; i += 1) data[i] = (i * 7919) % 251;
    const { createHash } = await import('node:crypto');
    const run = await corral(['run', '--', 'sha256sum'], {
      stateDir,
      stdin: data.toString('latin1'),
      stdinEncoding: 'latin1',
    });
    expect(run.code).toBe(0);
    expect(run.stdout.split(' ')[0]).toBe(createHash('sha256').update(data).digest('hex'));
  });

  it('sandbox exec forwards stdin too', async () => {
    const id = (await corral(['sandbox', 'create'], { stateDir })).stdout.trim();
    try {
      const exec = await corral(['sandbox', 'exec', id, '--', 'wc', '-l'], {
        stateDir,
        stdin: lines(1000),
      });
      expect(exec.code).toBe(0);
      expect(exec.stdout.trim()).toBe('1000');
    } finally {
      await corral(['sandbox', 'rm', id], { stateDir });
    }
  });
});

describe('user mistakes are reported as the user’s, not as Corral bugs', () => {
  it('a command missing in the sandbox exits 127 like a shell', async () => {
    const run = await corral(['run', '--', 'no-such-program-here'], { stateDir });
    expect(run.code).toBe(127);
    expect(run.stderr).toContain('command not found in the sandbox: no-such-program-here');
    expect(run.stderr).not.toMatch(/bug in Corral/);
  });

  it('--memory 512 suggests the unit', async () => {
    const run = await corral(['run', '--memory', '512', '--', 'true'], { stateDir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('512 bytes is below the 4 MiB minimum; did you mean 512m?');
  });

  it('an oversized --env is refused up front with the limit', async () => {
    const value = 'a'.repeat(100_000);
    const flags = Array.from({ length: 11 }, (_, i) => ['--env', `X${i}=${value}`]).flat();
    const run = await corral(['run', ...flags, '--', 'true'], { stateDir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--env is \d+ bytes in all; at most 1048576 bytes/);
  });

  it('no SDK wording in CLI messages', async () => {
    const exec = await corral(['sandbox', 'exec', 'sbx-nope', '--', 'true'], { stateDir });
    expect(exec.code).toBe(3);
    expect(exec.stderr).not.toContain('Sandbox.list()');
    const provider = await corral(['run', '--provider', 'nope', '--', 'true'], { stateDir });
    expect(provider.code).toBe(2);
    expect(provider.stderr).not.toContain('SandboxProvider instance');
  });
});

describe('rm says what it did not remove', () => {
  it('an unknown id is not found (exit 3); --ignore-not-found exits 0', async () => {
    const rm = await corral(['sandbox', 'rm', 'sbx-never-made'], { stateDir });
    expect(rm.code).toBe(3);
    expect(rm.stderr).toContain('sandbox sbx-never-made not found in the local provider');
    const ignored = await corral(['sandbox', 'rm', '--ignore-not-found', 'sbx-never-made'], {
      stateDir,
    });
    expect(ignored.code).toBe(0);
  });

  it('removes an existing sandbox and exits 0', async () => {
    const id = (await corral(['sandbox', 'create'], { stateDir })).stdout.trim();
    const rm = await corral(['sandbox', 'rm', id], { stateDir });
    expect(rm).toMatchObject({ code: 0, stdout: `${id}\n` });
  });
});

describe('ordinary tools work in the sandbox', () => {
  it('awk resolves through /etc/alternatives', async (context) => {
    const { existsSync } = await import('node:fs');
    if (!existsSync('/etc/alternatives/awk'))
      context.skip('this host has no /etc/alternatives/awk to mount (not a Debian-like host)');
    const run = await corral(['run', '--', 'awk', 'BEGIN { print 6 * 7 }'], { stateDir });
    expect(run).toMatchObject({ code: 0, stdout: '42\n' });
  });

  it('--cwd /tmp is accepted: /tmp is the sandbox’s own', async () => {
    const run = await corral(['run', '--cwd', '/tmp', '--', 'pwd'], { stateDir });
    expect(run).toMatchObject({ code: 0, stdout: '/tmp\n' });
  });
});

describe('task run without --command', () => {
  it('says that nothing ran and how to run something', async () => {
    const run = await corral(['task', 'run', '--message', 'hi'], { stateDir });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('no --command was given');
    expect(run.stderr).toContain("Pass --command '<shell>'");
  });
});

describe('cp with a local mistake', () => {
  it('a missing local file is NOT_FOUND (3); a directory without -r is a usage error', async () => {
    const missing = await corral(['sandbox', 'cp', '/no/such/file', 'sbx-x:a'], { stateDir });
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('"/no/such/file" does not exist on this machine');
    const dir = await corral(['sandbox', 'cp', stateDir, 'sbx-x:a'], { stateDir });
    expect(dir.code).toBe(2);
    expect(dir.stderr).toContain('cp copies one file; pass -r for a directory');
  });
});

describe('network mistakes are told in CLI terms', () => {
  it('gVisor with an allow list, and an empty allow list, name the flags to pass', async () => {
    const gvisor = await corral(
      ['run', '--isolation', 'gvisor', '--network', 'allow=example.com', '--', 'true'],
      { stateDir },
    );
    expect(gvisor.code).toBe(2);
    // no SDK option syntax in a CLI message
    expect(gvisor.stderr).not.toMatch(/\{ mode:|Sandbox\.|SandboxProvider/);
    expect(gvisor.stderr).toMatch(/--network none|--isolation/);
    const empty = await corral(['run', '--network', 'allow=', '--', 'true'], { stateDir });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('allow=<domain>');
  });
});
