/**
 * `corral --server URL …` through the built CLI against a real `corral serve` (in this process,
 * local provider, real bubblewrap): a sandbox made by one CLI process belongs to the server, so
 * it outlives that process with no keeper, and later CLI processes list, exec in and remove it.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type CorralServer } from '@corral/server';
import { corral, makeStateDir } from './helpers/corral.js';

let server: CorralServer;
let serverDir: string;
let stateDir: string;

async function serverSandboxes(): Promise<string[]> {
  const res = await fetch(`${server.url}/api/v1/sandboxes`, {
    headers: { authorization: `Bearer ${server.token}` },
  });
  return ((await res.json()) as { items: { id: string }[] }).items.map((s) => s.id);
}

beforeAll(async () => {
  serverDir = await mkdtemp(join(tmpdir(), 'corral-cli-server-'));
  await chmod(serverDir, 0o711);
  server = await startServer({ stateDir: serverDir, port: 0 });
  stateDir = await makeStateDir();
}, 60_000);

afterAll(async () => {
  const left = await serverSandboxes();
  await server.close();
  await rm(serverDir, { recursive: true, force: true });
  await rm(stateDir, { recursive: true, force: true });
  expect(left).toEqual([]);
}, 60_000);

describe('corral --server', () => {
  it('create, list, exec, run and rm go through the server; the sandbox outlives the CLI', async () => {
    const env = { CORRAL_SERVER_TOKEN: server.token };
    const created = await corral(['--server', server.url, 'sandbox', 'create'], {
      stateDir,
      env,
    });
    expect(created.code, created.stderr).toBe(0);
    const id = created.stdout.trim();
    // the hint repeats what found the sandbox, so the copied command removes this one
    expect(created.stderr).toContain(`corral sandbox rm --server ${server.url} ${id}`);
    try {
      // the creating process has exited; the server still has the sandbox
      expect(await serverSandboxes()).toContain(id);

      const listed = await corral(['sandbox', 'list', '--server', server.url], { stateDir, env });
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stdout).toContain(id);

      const exec = await corral(
        ['sandbox', 'exec', '--server', server.url, id, '--', 'sh', '-c', 'echo hi; exit 4'],
        { stateDir, env },
      );
      expect(exec).toMatchObject({ code: 4, stdout: 'hi\n' });

      const piped = await corral(['--server', server.url, 'run', '--', 'wc', '-l'], {
        stateDir,
        env,
        stdin: 'a\nb\n',
      });
      expect(piped.code, piped.stderr).toBe(0);
      expect(piped.stdout.trim()).toBe('2');

      const removed = await corral(['sandbox', 'rm', '--server', server.url, id], {
        stateDir,
        env,
      });
      expect(removed.code, removed.stderr).toBe(0);
      expect(await serverSandboxes()).toEqual([]);
    } finally {
      await fetch(`${server.url}/api/v1/sandboxes/${id}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${server.token}` },
      });
    }
  }, 120_000);

  it('says what is wrong with a missing token, a wrong one, and a command without --provider', async () => {
    const noToken = await corral(['--server', server.url, 'sandbox', 'list'], {
      stateDir,
      env: { CORRAL_SERVER_TOKEN: '' },
    });
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toMatch(/no token for the server.*CORRAL_SERVER_TOKEN/);

    const wrong = await corral(['--server', server.url, 'sandbox', 'list'], {
      stateDir,
      env: { CORRAL_SERVER_TOKEN: 'wrong' },
    });
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/refused the token/);
    expect(wrong.stderr).not.toMatch(/bug in Corral/);

    const doctor = await corral(['--server', server.url, 'doctor'], { stateDir });
    expect(doctor.code).toBe(2);
    expect(doctor.stderr).toMatch(/corral doctor. checks this machine or a cluster, not a server/);

    const mcp = await corral(['--server', server.url, 'template', 'convert', '-f', '-'], {
      stateDir,
    });
    expect(mcp.code).toBe(2);
    expect(mcp.stderr).toMatch(/--server applies to commands that take --provider/);

    const clash = await corral(
      ['--server', server.url, 'sandbox', 'list', '--provider', 'kubernetes'],
      { stateDir, env: { CORRAL_SERVER_TOKEN: server.token } },
    );
    expect(clash.code).toBe(2);
    expect(clash.stderr).toMatch(/disagree/);
  }, 60_000);
});
