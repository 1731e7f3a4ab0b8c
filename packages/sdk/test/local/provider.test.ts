/** LocalProvider lifecycle: records, cross-process view, failures that leave nothing, other levels. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ConflictError,
  InvalidArgumentError,
  TimeoutError,
  AbortedError,
} from '../../src/errors.js';
import { createLocalProvider, detectIsolation, type LocalProvider } from '../../src/local/index.js';
import { healthz, isRoot, leftovers, pidsOfUid, runnerExec, tempStateDir } from './helpers.js';

// probed for real: a plain detectIsolation() skips gVisor, which would skip its test everywhere
const gvisorProbe = (await detectIsolation({ gvisor: true })).gvisor;

describe('LocalProvider lifecycle', () => {
  let stateDir: string;
  const providers: LocalProvider[] = [];
  const make = (options: Parameters<typeof createLocalProvider>[0] = {}) => {
    const p = createLocalProvider({ stateDir, ...options });
    providers.push(p);
    return p;
  };

  beforeEach(async () => {
    stateDir = await tempStateDir();
  });
  afterEach(async () => {
    for (const p of providers.splice(0)) {
      for (const s of await p.list()) await p.delete(s.id);
      await p.close();
    }
    const left = (await readdir(stateDir)).filter((n) => !n.startsWith('.'));
    await rm(stateDir, { recursive: true, force: true });
    expect(left).toEqual([]);
  });

  it('creates, finds, lists by label and deletes (idempotently); another provider instance sees the same', async () => {
    const provider = make();
    const sb = await provider.create({
      id: 'life-1',
      labels: { team: 'a' },
      env: { GREETING: 'hi' },
    });
    expect(sb.info).toMatchObject({
      id: 'life-1',
      provider: 'local',
      state: 'running',
      labels: { team: 'a' },
    });
    // the host's own link to the socket, outside what the sandbox can reach (W1/W2)
    expect(sb.endpoint.socketPath).toBe(join(stateDir, 'life-1', 'host', 'runner.sock'));
    expect(await healthz(sb.endpoint)).toBe(200);
    expect((await runnerExec(sb.endpoint, 'echo $GREETING; echo $HOME; pwd')).stdout).toBe(
      'hi\n/work\n/work\n',
    );
    // the runner token is not readable by commands
    expect((await runnerExec(sb.endpoint, 'echo "[$CORRAL_RUNNER_TOKEN]"')).stdout).toBe('[]\n');

    const other = make();
    expect((await other.get('life-1'))?.info.state).toBe('running');
    expect((await other.list({ labels: { team: 'a' } })).map((s) => s.id)).toEqual(['life-1']);
    expect(await other.list({ labels: { team: 'b' } })).toEqual([]);
    await expect(provider.create({ id: 'life-1' })).rejects.toBeInstanceOf(ConflictError);

    await other.delete('life-1');
    expect(await provider.get('life-1')).toBeUndefined();
    expect(await leftovers(sb.info, 'life-1')).toEqual([]);
    await provider.delete('life-1');
    await provider.delete('never-existed');
  });

  it('rejects bad input with errors that say how to fix it', async () => {
    const provider = make();
    await expect(provider.create({ id: 'Bad/Id' })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(provider.create({ limits: { memoryBytes: -1 } })).rejects.toThrow(
      /limits.memoryBytes/,
    );
    await expect(provider.create({ env: { 'A-B': 'x' } })).rejects.toThrow(/env/);
    expect(() => createLocalProvider({ stateDir, minReady: -1 })).toThrow(/minReady/);
  });

  it('a start that exceeds timeoutMs fails with TimeoutError and leaves nothing', async () => {
    const provider = make();
    await expect(provider.create({ id: 'too-slow', timeoutMs: 1 })).rejects.toBeInstanceOf(
      TimeoutError,
    );
    expect(existsSync(join(stateDir, 'too-slow'))).toBe(false);
    expect(existsSync('/sys/fs/cgroup/pids/corral/too-slow')).toBe(false);
  });

  it('an aborted create fails with AbortedError and leaves nothing', async () => {
    const provider = make();
    const controller = new AbortController();
    const pending = provider.create({ id: 'aborted', signal: controller.signal });
    setTimeout(() => controller.abort(), 5);
    await expect(pending).rejects.toBeInstanceOf(AbortedError);
    expect(existsSync(join(stateDir, 'aborted'))).toBe(false);
  });

  it('a runner that dies during start is reported with its output and cleaned up', async () => {
    const bogus = join(stateDir, '.bogus-runner.mjs');
    await writeFile(bogus, 'console.error("runner exploded"); process.exit(3);', { mode: 0o644 });
    const provider = make({ runnerBundle: bogus });
    await expect(provider.create({ id: 'dies' })).rejects.toThrow(/runner exploded/);
    expect(existsSync(join(stateDir, 'dies'))).toBe(false);
  });

  it('maxLifetimeMs destroys the sandbox', async () => {
    const provider = make();
    const sb = await provider.create({ id: 'short-lived', maxLifetimeMs: 300 });
    expect(sb.info.metadata.expiresAt).toBeDefined();
    // expiry is also enforced on access, from any process
    const other = make();
    await new Promise((r) => setTimeout(r, 350));
    expect(await other.get('short-lived')).toBeUndefined();
    expect(await leftovers(sb.info, 'short-lived')).toEqual([]);
  });

  it('unshare fallback runs commands with a minimal filesystem and reports its level', async () => {
    const provider = make({ isolation: 'unshare' });
    const sb = await provider.create({ id: 'via-unshare', limits: { maxProcesses: 64 } });
    expect(sb.info.isolation.level).toBe('unshare');
    expect(sb.info.isolation.warnings.join()).toMatch(/seccomp/);
    const r = await runnerExec(
      sb.endpoint,
      'ls /; cat /etc/hostname 2>&1; ls /proc | grep -c "^[0-9]"; grep CapEff /proc/self/status',
    );
    expect(r.stdout).toContain('work');
    expect(r.stdout).not.toContain('home');
    expect(r.stdout).toContain('CapEff:\t0000000000000000');
    await provider.delete(sb.info.id);
    expect(await leftovers(sb.info, 'via-unshare')).toEqual([]);
  });

  it("level 'none' needs an explicit opt-in and is reported as such", async () => {
    const provider = make({ isolation: 'none' });
    // W11: it cannot keep network 'none' (the default), so it refuses it, before starting anything
    for (const network of [undefined, { mode: 'none' } as const]) {
      const refused = provider.create({ id: 'plain', ...(network ? { network } : {}) });
      await expect(refused).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(refused).rejects.toThrow(/--network full/);
    }
    expect(existsSync(join(stateDir, 'plain'))).toBe(false);
    const sb = await provider.create({ id: 'plain', network: { mode: 'full' } });
    expect(sb.info.isolation.level).toBe('none');
    expect(sb.info.isolation.network).toEqual({ mode: 'full' });
    const r = await runnerExec(sb.endpoint, 'pwd; id -u');
    expect(r.stdout.split('\n')[0]).toBe(join(stateDir, 'plain', 'work'));
    if (isRoot) expect(r.stdout.split('\n')[1]).toBe(sb.info.metadata.uid);
    await provider.delete(sb.info.id);
    expect(await leftovers(sb.info, 'plain')).toEqual([]);
  });
  it('sandboxes die with their owner process, and what it left is cleaned up on the next list()', async () => {
    const script = `
      import { createLocalProvider } from ${JSON.stringify(new URL('../../src/local/index.ts', import.meta.url).pathname)};
      const p = createLocalProvider({ stateDir: process.argv[1], minReady: 1 });
      const sb = await p.create({ id: 'orphan' });
      await p.whenPoolReady();
      console.log('READY ' + sb.info.metadata.uid);
      setInterval(() => {}, 1000);`;
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
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const uid = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).on(
        'line',
        (l) => l.startsWith('READY') && resolve(l.split(' ')[1]!),
      );
      child.on('exit', (code) => reject(new Error(`owner exited early (${code})`)));
    });
    expect((await readdir(stateDir)).filter((n) => !n.startsWith('.')).length).toBe(2); // claimed + pooled
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const provider = make();
    expect(await provider.list()).toEqual([]);
    expect((await readdir(stateDir)).filter((n) => !n.startsWith('.'))).toEqual([]);
    expect(existsSync('/sys/fs/cgroup/pids/corral/orphan')).toBe(false);
    if (isRoot && uid !== 'undefined') expect(await pidsOfUid(Number(uid))).toEqual([]);
  });

  // runsc is optional (CI installs it); without it the gVisor level is unavailable and this cannot run
  it("opt-in 'gvisor' runs the runner under runsc with the host hidden", async (ctx) => {
    ctx.skip(!gvisorProbe.available, `gVisor does not work here: ${gvisorProbe.reason ?? '?'}`);
    const secret = join(stateDir, '.host-secret');
    await writeFile(secret, 'top-secret', { mode: 0o644 });
    const provider = make({ isolation: 'gvisor', limits: { memoryBytes: 512 * 1024 * 1024 } });
    const sb = await provider.create({ id: 'via-gvisor', timeoutMs: 30_000 });
    expect(sb.info.isolation).toMatchObject({ level: 'gvisor', network: { mode: 'none' } });
    const r = await runnerExec(
      sb.endpoint,
      `cat ${secret} 2>&1; dmesg | head -1; echo hi > /work/f && echo wrote; node -e "require('net').connect(22,'127.0.0.1').on('connect',()=>console.log('CONNECTED')).on('error',e=>console.log(e.code))"`,
    );
    expect(r.stdout).not.toContain('top-secret');
    expect(r.stdout).toContain('gVisor');
    expect(r.stdout).toContain('wrote');
    expect(r.stdout).not.toContain('CONNECTED');
    await provider.delete(sb.info.id);
    expect(await leftovers(sb.info, 'via-gvisor')).toEqual([]);
  });
});
