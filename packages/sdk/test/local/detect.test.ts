/** Detection on this host, and the choice of level (with fake reports for the unavailable cases). */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IsolationUnavailableError } from '../../src/errors.js';
import { chooseIsolation, detectIsolation, type IsolationReport } from '../../src/local/index.js';
import { buildSeccompFilter, SECCOMP_DENIED_SYSCALLS } from '../../src/local/seccomp.js';

const none = { available: false, reason: 'probe failed: nope' };
const fake = (over: Partial<IsolationReport>): IsolationReport => ({
  root: false,
  uid: 1000,
  gvisor: none,
  bubblewrap: none,
  unshare: none,
  cgroups: { version: 'none', writable: false, delegated: false, parents: {} },
  ...over,
});

describe('detectIsolation', () => {
  it('probes this host once and finds bubblewrap (CI installs it)', async () => {
    const report = await detectIsolation();
    expect(await detectIsolation()).toBe(report);
    expect(report.bubblewrap).toMatchObject({
      available: true,
      path: expect.stringContaining('bwrap'),
    });
    expect(report.unshare.available).toBe(true);
    expect(report.root).toBe(process.getuid?.() === 0);
    if (report.root) expect(report.cgroups.writable).toBe(true);
    expect(chooseIsolation(report)).toBe('bubblewrap');
  });
});

describe('the on-disk probe cache', () => {
  it('is written on the first probe, answers the next process, and refresh probes afresh', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'corral-detect-'));
    try {
      const first = await detectIsolation({ refresh: true, cacheDir: dir });
      expect(first.gvisor).toMatchObject({ available: false, skipped: true });
      const file = join(dir, `.isolation-probe-${process.getuid?.() ?? -1}.json`);
      const cached = JSON.parse(await readFile(file, 'utf8')) as { probedAt: string };
      expect(cached.probedAt).toBe(first.probedAt);
      // a new process has no memo: simulate with refresh off after a changed file on disk
      await writeFile(file, JSON.stringify({ ...cached, probedAt: 'from-disk' }));
      const memoed = await detectIsolation({ cacheDir: dir });
      expect(memoed).toBe(first);
      const again = await detectIsolation({ refresh: true, cacheDir: dir });
      expect(again.probedAt).not.toBe('from-disk');
      // a fingerprint mismatch is a miss, never a wrong answer
      await writeFile(file, JSON.stringify({ ...cached, key: 'other-host' }));
      const fresh = await detectIsolation({ refresh: true, cacheDir: dir });
      expect(fresh.bubblewrap.available).toBe(first.bubblewrap.available);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('chooseIsolation', () => {
  const ok = { available: true };
  it('prefers bubblewrap, then unshare; gvisor and none only when asked', () => {
    expect(chooseIsolation(fake({ bubblewrap: ok, unshare: ok, gvisor: ok }))).toBe('bubblewrap');
    expect(chooseIsolation(fake({ unshare: ok, gvisor: ok }))).toBe('unshare');
    expect(chooseIsolation(fake({ bubblewrap: ok, gvisor: ok }), { isolation: 'gvisor' })).toBe(
      'gvisor',
    );
    expect(chooseIsolation(fake({}), { isolation: 'none' })).toBe('none');
    expect(chooseIsolation(fake({}), { allowUnisolated: true })).toBe('none');
  });

  it('says what was tried, why it failed and how to fix it', () => {
    let error: unknown;
    try {
      chooseIsolation(fake({ bubblewrap: { available: false, reason: 'bwrap is not installed' } }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(IsolationUnavailableError);
    const message = (error as Error).message;
    expect(message).toContain('bwrap is not installed');
    expect(message).toContain('probe failed: nope');
    expect(message).toContain('apt-get install bubblewrap');
    expect(message).toContain('user namespaces');
    expect(message).toContain("isolation: 'none'");
    expect(() => chooseIsolation(fake({ bubblewrap: ok }), { isolation: 'gvisor' })).toThrow(
      /runsc/,
    );
    expect(() => chooseIsolation(fake({ bubblewrap: ok }), { isolation: 'unshare' })).toThrow(
      IsolationUnavailableError,
    );
  });
});

describe('seccomp filter', () => {
  it('is a well-formed BPF program ending in allow/deny returns', () => {
    const filter = buildSeccompFilter();
    expect(filter.length % 8).toBe(0);
    // 5 header + socket(AF_VSOCK) block of 5 + one jump per syscall + 3 returns
    expect(filter.length / 8).toBe(SECCOMP_DENIED_SYSCALLS.length - 1 + 13);
    expect(SECCOMP_DENIED_SYSCALLS).toEqual(
      expect.arrayContaining([
        ...['ptrace', 'mount', 'unshare', 'bpf', 'keyctl'],
        // red-team W15 / W8 / W10
        ...['modify_ldt', 'pidfd_getfd', 'process_madvise', 'kcmp', 'socket(AF_VSOCK)'],
      ]),
    );
  });
});
