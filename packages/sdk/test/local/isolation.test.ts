/**
 * Escape attempts from inside a real bubblewrap sandbox (through the real runner). Every attempt
 * must fail, and after delete nothing of the sandbox may remain.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalProvider, type LocalProvider } from '../../src/local/index.js';
import type { ProvisionedSandbox } from '../../src/provider.js';
import { isRoot, leftovers, runnerExec, tempStateDir } from './helpers.js';

const MiB = 1024 * 1024;
const ROOT_CGROUPS =
  'root only: it reads the per-sandbox cgroup v1 files; without root and a delegated cgroup the ' +
  "limit is not applied, which 'without root and delegation…' (limits.test.ts) checks instead";

describe('bubblewrap sandbox: escape attempts fail', () => {
  let stateDir: string;
  let provider: LocalProvider;
  let sandbox: ProvisionedSandbox;
  let server: http.Server;
  let port: number;
  const secret = randomBytes(8).toString('hex');
  const secretFiles = [
    `/tmp/corral-escape-${secret}`,
    ...(isRoot ? [`/root/corral-escape-${secret}`] : []),
  ];

  beforeAll(async () => {
    stateDir = await tempStateDir();
    provider = createLocalProvider({
      stateDir,
      isolation: 'bubblewrap',
      limits: { memoryBytes: 256 * MiB, maxProcesses: 96, cpus: 1 },
    });
    for (const f of secretFiles) await writeFile(f, secret);
    server = http.createServer((_req, res) => res.end('host-server'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
    sandbox = await provider.create({ labels: { suite: 'isolation' } });
  });

  afterAll(async () => {
    if (sandbox) await provider.delete(sandbox.info.id);
    await provider.close();
    server.close();
    for (const f of secretFiles) await rm(f, { force: true });
    await rm(stateDir, { recursive: true, force: true });
  });

  it('reports the isolation level and the limits it applied', () => {
    const { isolation } = sandbox.info;
    expect(isolation.level).toBe('bubblewrap');
    expect(isolation.network).toEqual({ mode: 'none' });
    expect(isolation.detail).toContain('bwrap');
    if (isRoot) {
      expect(isolation.limitsApplied).toEqual({
        memoryBytes: 256 * MiB,
        maxProcesses: 96,
        cpus: 1,
        diskBytes: 10 * 1024 * MiB,
      });
      expect(isolation.detail).toContain('seccomp');
    } else {
      expect(isolation.warnings.join('\n')).toMatch(/limits not applied|cgroup/);
    }
  });

  it('cannot read host files outside the sandbox', async () => {
    const script = [...secretFiles, '/etc/shadow', '/etc/hostname']
      .map((f) => `cat ${f} 2>/dev/null && echo LEAK:${f}`)
      .concat(
        'ls /home /root /var 2>/dev/null && echo LEAK:dirs',
        'cat /proc/1/root/etc/shadow 2>/dev/null && echo LEAK:proc-root',
        'true',
      )
      .join('; ');
    const result = await runnerExec(sandbox.endpoint, script);
    expect(result.stdout).not.toContain('LEAK');
    expect(result.stdout).not.toContain(secret);
    const root = await runnerExec(sandbox.endpoint, 'ls /');
    expect(root.stdout.split(/\s+/).filter(Boolean).sort()).toEqual(
      [
        'bin',
        'dev',
        'etc',
        'lib',
        'lib64',
        'opt',
        'proc',
        'run',
        'sbin',
        'tmp',
        'usr',
        'work',
      ].sort(),
    );
  });

  it('cannot write to system directories, and /tmp is private', async () => {
    const result = await runnerExec(
      sandbox.endpoint,
      'touch /usr/pwn 2>&1; echo x > /tmp/mine && cat /tmp/mine',
    );
    expect(result.stdout).toMatch(/Read-only file system/);
    expect(result.stdout).toContain('x');
    await expect(stat('/tmp/mine')).rejects.toThrow();
  });

  it('cannot reach a host TCP server on 127.0.0.1 or any host address', async () => {
    const addresses = [
      '127.0.0.1',
      ...Object.values(networkInterfaces())
        .flat()
        .flatMap((a) => (a?.family === 'IPv4' ? [a.address] : [])),
    ];
    const probe = addresses
      .map(
        (a) =>
          `node -e "require('net').connect(${port},'${a}').on('connect',()=>{console.log('CONNECTED ${a}');process.exit(0)}).on('error',e=>{console.log('${a}',e.code);process.exit(0)})"`,
      )
      .join('; ');
    const result = await runnerExec(sandbox.endpoint, probe);
    expect(result.stdout).not.toContain('CONNECTED');
    expect(result.stdout).toContain('127.0.0.1 ECONNREFUSED');
    const ifaces = await runnerExec(
      sandbox.endpoint,
      'ls /sys/class/net 2>/dev/null || cat /proc/net/dev',
    );
    expect(ifaces.stdout).not.toMatch(/eth0/);
  });

  it('sees only its own processes', async () => {
    const result = await runnerExec(
      sandbox.endpoint,
      'for p in /proc/[0-9]*; do cat $p/cmdline 2>/dev/null | tr "\\0" " "; echo; done',
    );
    const procs = result.stdout.split('\n').filter(Boolean);
    expect(procs.length).toBeLessThan(8);
    expect(result.stdout).not.toMatch(/vitest|process_api/);
    const own = await runnerExec(
      sandbox.endpoint,
      `test -e /proc/${process.pid} && echo SEEN || echo hidden`,
    );
    expect(own.stdout.trim()).toBe('hidden');
  });

  it('runs with no capabilities, a seccomp filter, uid 1000 inside and its own uid on the host', async () => {
    const result = await runnerExec(
      sandbox.endpoint,
      'id -u; grep -E "^(CapEff|CapBnd|NoNewPrivs|Seccomp):" /proc/self/status; echo hi > /work/owned; unshare -U true 2>&1 || echo userns-denied',
    );
    expect(result.stdout).toContain('CapEff:\t0000000000000000');
    expect(result.stdout).toContain('CapBnd:\t0000000000000000');
    expect(result.stdout.split('\n')[0]).toBe('1000');
    expect(result.stdout).toContain('userns-denied');
    expect(result.stdout).toContain('Seccomp:\t2');
    if (isRoot) {
      // dropped to the sandbox's own uid; without root it is the caller's (no uid switching)
      const owner = (await stat(join(stateDir, sandbox.info.id, 'work', 'owned'))).uid;
      expect(owner).toBe(Number(sandbox.info.metadata.uid));
      expect(owner).not.toBe(0);
    }
  });

  // python3 is only a convenient way to issue raw syscalls from inside; without it this cannot run
  it('the seccomp filter denies dangerous syscalls', async (ctx) => {
    ctx.skip(
      !existsSync('/usr/bin/python3'),
      'python3 is not installed: it issues the raw syscalls',
    );
    const py = [
      'import ctypes, os',
      'libc = ctypes.CDLL(None, use_errno=True)',
      'for name, nr in [("ptrace",101),("mount",165),("keyctl",250),("bpf",321),("unshare",272),("io_uring_setup",425),("getpid",39),("modify_ldt",154),("kcmp",312),("pidfd_getfd",438),("process_madvise",440)]:',
      '    r = libc.syscall(nr, 0, 0, 0, 0, 0)',
      '    print(name, r, os.strerror(ctypes.get_errno()) if r < 0 else "ok")',
      'for name, fam in [("vsock",40),("unix",1)]:',
      '    r = libc.socket(fam, 1, 0)',
      '    print("socket", name, r, os.strerror(ctypes.get_errno()) if r < 0 else "ok")',
    ].join('\n');
    const result = await runnerExec(sandbox.endpoint, `python3 -c '${py}'`);
    expect(result.stdout).toMatch(/^ptrace -1 Operation not permitted$/m);
    expect(result.stdout).toMatch(/^mount -1 Operation not permitted$/m);
    expect(result.stdout).toMatch(/^keyctl -1 Operation not permitted$/m);
    expect(result.stdout).toMatch(/^bpf -1 Operation not permitted$/m);
    expect(result.stdout).toMatch(/^unshare -1 Operation not permitted$/m);
    expect(result.stdout).toMatch(/^io_uring_setup -1 Function not implemented$/m);
    expect(result.stdout).toMatch(/^getpid \d+ ok$/m);
    // red-team W15, W8, W10
    for (const name of ['modify_ldt', 'kcmp', 'pidfd_getfd', 'process_madvise'])
      expect(result.stdout).toMatch(new RegExp(`^${name} -1 Operation not permitted$`, 'm'));
    expect(result.stdout).toMatch(/^socket vsock -1 Operation not permitted$/m);
    expect(result.stdout).toMatch(/^socket unix \d+ ok$/m);
  });

  it('a memory hog is OOM-killed at the limit', async (ctx) => {
    ctx.skip(!isRoot, ROOT_CGROUPS);
    const result = await runnerExec(
      sandbox.endpoint,
      `node -e "const a=[];for(;;){a.push(Buffer.alloc(16<<20,1))}"; echo "rc=$?"`,
    );
    expect(result.stdout).toContain('rc=137');
    const memDir = `/sys/fs/cgroup/memory/corral/${sandbox.info.id}`;
    expect(await readFile(join(memDir, 'memory.oom_control'), 'utf8')).toMatch(/oom_kill [1-9]/);
    // the runner itself survived
    expect((await runnerExec(sandbox.endpoint, 'echo alive')).stdout).toBe('alive\n');
  });
});

describe('bubblewrap sandbox: process limit and cleanup', () => {
  it('a fork bomb hits pids.max and the host is unaffected', async (ctx) => {
    ctx.skip(!isRoot, ROOT_CGROUPS);
    const stateDir = await tempStateDir();
    const provider = createLocalProvider({
      stateDir,
      isolation: 'bubblewrap',
      limits: { maxProcesses: 64 },
    });
    try {
      const sb = await provider.create();
      const result = await runnerExec(
        sb.endpoint,
        'bomb() { bomb | bomb & }; bomb; sleep 2; echo survived',
        4000,
      );
      expect(result.stderr + result.stdout).toMatch(
        /fork|Resource temporarily unavailable|Cannot fork/i,
      );
      const events = await readFile(`/sys/fs/cgroup/pids/corral/${sb.info.id}/pids.events`, 'utf8');
      expect(events).toMatch(/max [1-9]/);
      expect(
        Number(
          await readFile(`/sys/fs/cgroup/pids/corral/${sb.info.id}/pids.peak`, 'utf8').catch(
            () => '0',
          ),
        ),
      ).toBeLessThanOrEqual(64);
      await provider.delete(sb.info.id);
      expect(await leftovers(sb.info, sb.info.id)).toEqual([]);
    } finally {
      await provider.close();
      await rm(stateDir, { recursive: true, force: true });
    }
  });

  it('a setsid/nohup background process is gone after delete, with nothing left behind', async () => {
    const stateDir = await tempStateDir();
    const provider = createLocalProvider({ stateDir, isolation: 'bubblewrap' });
    try {
      const sb = await provider.create();
      const started = await runnerExec(
        sb.endpoint,
        'setsid nohup sleep 1000 >/dev/null 2>&1 < /dev/null & sleep 0.1; pgrep -c sleep || ls /proc',
      );
      expect(started.exitCode).toBe(0);
      if (isRoot)
        expect((await leftovers(sb.info, sb.info.id)).some((l) => l.startsWith('process'))).toBe(
          true,
        );
      await provider.delete(sb.info.id);
      expect(await leftovers(sb.info, sb.info.id)).toEqual([]);
      await provider.delete(sb.info.id); // idempotent
    } finally {
      await provider.close();
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});
