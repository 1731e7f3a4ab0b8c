/**
 * Red-team W8 under gVisor: runsc passes no fds in, so the runner's token used to travel in the
 * bundle's environment, readable by the code as /proc/1/environ. Now it is a file in the run dir
 * that the runner reads and removes before it listens: nothing inside can read it afterwards.
 */
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalProvider, detectIsolation, type LocalProvider } from '../../src/local/index.js';
import type { ProvisionedSandbox } from '../../src/provider.js';
import { leftovers, runnerExec, tempStateDir } from './helpers.js';

const gvisor = (await detectIsolation({ gvisor: true })).gvisor.available;

describe.runIf(gvisor)("gVisor: the runner's token is not readable inside", () => {
  let stateDir: string;
  let provider: LocalProvider;
  let sandbox: ProvisionedSandbox;

  beforeAll(async () => {
    stateDir = await tempStateDir();
    provider = createLocalProvider({
      stateDir,
      isolation: 'gvisor',
      limits: { memoryBytes: 512 * 1024 * 1024 },
    });
    sandbox = await provider.create({ id: 'gv-token', timeoutMs: 30_000 });
  }, 60_000);
  afterAll(async () => {
    await provider.close();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('not in any environ or cmdline inside, not in the run dir, not in the bundle', async () => {
    const token = sandbox.endpoint.token!;
    const result = await runnerExec(
      sandbox.endpoint,
      'cat /proc/[0-9]*/environ /proc/[0-9]*/cmdline 2>/dev/null | tr "\\0" "\\n"; ls -A /run/corral; cat /run/corral/.runner-token 2>&1',
    );
    expect(result.stdout).toContain('runner.sock');
    expect(result.stdout).toMatch(/No such file/);
    expect(result.stdout).not.toContain(token);
    expect(result.stdout).not.toContain('CORRAL_RUNNER_TOKEN');
    const config = join(stateDir, 'gv-token', 'oci', 'config.json');
    expect((await readFile(config, 'utf8')).includes(token)).toBe(false);
    // W7: the bundle holds the caller's env values; only its owner may read it
    expect((await stat(config)).mode & 0o777).toBe(0o600);
    expect(await readdir(join(stateDir, 'gv-token', 'run'))).not.toContain('.runner-token');
  });

  it('the runner still requires the token', async () => {
    const status = (token: string) =>
      new Promise<number>((resolve, reject) => {
        http
          .get(
            {
              socketPath: sandbox.endpoint.socketPath,
              path: '/v1/commands',
              headers: { authorization: `Bearer ${token}` },
            },
            (res) => {
              res.resume();
              resolve(res.statusCode ?? 0);
            },
          )
          .on('error', reject);
      });
    expect(await status(sandbox.endpoint.token!)).toBe(200);
    expect(await status('wrong')).toBe(401);
  });

  it('delete leaves nothing', async () => {
    await provider.delete(sandbox.info.id);
    expect(await leftovers(sandbox.info, 'gv-token')).toEqual([]);
  });
});
