import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliVersion } from '../src/version.js';
import { corral, expectNothingLeft, makeStateDir, waitForOutput } from './helpers/corral.js';

let stateDir: string;
beforeAll(async () => {
  stateDir = await makeStateDir();
});
afterAll(async () => {
  expect(await expectNothingLeft(stateDir)).toEqual([]);
});

describe('corral run', () => {
  it("passes output through and exits with the command's exit code", async () => {
    const run = await corral(['run', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3'], {
      stateDir,
    });
    expect(run).toMatchObject({ code: 3, stdout: 'out\n', stderr: 'err\n' });
  });

  it('applies --env and --network and prints one JSON document with --json', async () => {
    const run = await corral(
      [
        'run',
        '--json',
        '--env',
        'A=1',
        '--env',
        'B=two',
        '--network',
        'none',
        '--',
        'sh',
        '-c',
        'echo $A-$B',
      ],
      { stateDir },
    );
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(result).toMatchObject({
      ok: true,
      exitCode: 0,
      stdout: '1-two\n',
      command: ['sh', '-c', 'echo $A-$B'],
    });
    expect(result.sandboxId).toMatch(/^sbx-/);
  });

  it('streams output live and removes the sandbox on Ctrl-C (exit 130)', async () => {
    const run = await corral(['run', '--', 'sh', '-c', 'echo started; sleep 30'], {
      stateDir,
      onSpawn: (child, output) => {
        // "started" arriving while the command still sleeps proves the output is live.
        void waitForOutput(child, output.stdout, 'started').then(() => child.kill('SIGINT'));
      },
    });
    expect(run.code).toBe(130);
    expect(run.stdout).toBe('started\n');
    expect(run.stderr).toMatch(/Interrupted by SIGINT/);
    expect(await expectNothingLeftKeepingDir()).toEqual([]);
  });

  it('removes the sandbox on SIGTERM (exit 143)', async () => {
    const run = await corral(['run', '--', 'sh', '-c', 'echo started; sleep 30'], {
      stateDir,
      onSpawn: (child, output) => {
        void waitForOutput(child, output.stdout, 'started').then(() => child.kill('SIGTERM'));
      },
    });
    expect(run.code).toBe(143); // the suite's closing check finds nothing left
  });

  it('kills a command that exceeds --timeout and exits 124', async () => {
    const run = await corral(['run', '--timeout', '300ms', '--', 'sleep', '10'], { stateDir });
    expect(run.code).toBe(124);
    expect(run.stderr).toMatch(/timed out after 300 ms/);
  });
});

describe('corral run: bad input says what to do', () => {
  it('refuses a bad size before creating anything and lists the accepted units (exit 2)', async () => {
    const run = await corral(['run', '--memory', '12q', '--', 'true'], { stateDir });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/--memory "12q" is not a size.*b, k, m, g/);
    expect(run.stderr).toMatch(/Hint: /);
  });

  it('says no Kubernetes configuration was found and how to fix it (exit 4)', async () => {
    const run = await corral(['run', '--provider', 'kubernetes', '--json', '--', 'true'], {
      stateDir,
      // No kubeconfig anywhere: an empty home and no KUBECONFIG, KUBERNETES_SERVICE_HOST.
      env: { HOME: stateDir, KUBECONFIG: '', KUBERNETES_SERVICE_HOST: '' },
    });
    expect(run.code).toBe(4);
    expect(JSON.parse(run.stdout)).toMatchObject({
      ok: false,
      error: { code: 'CONFIG_NOT_FOUND' },
    });
    expect(run.stderr).toMatch(/Kubernetes configuration[\s\S]*Hint: .*KUBECONFIG/);
  });

  it('prints the version and help', async () => {
    const version = await corral(['--version'], { stateDir });
    expect(version).toMatchObject({ code: 0, stdout: `${cliVersion()}\n` });
    const help = await corral(['--help'], { stateDir });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/run \[options\] <command\.\.\.>/);
  });
});

async function expectNothingLeftKeepingDir(): Promise<string[]> {
  const listed = await corral(['sandbox', 'list', '--json'], { stateDir });
  return (JSON.parse(listed.stdout) as Array<{ id: string }>).map((info) => info.id);
}
