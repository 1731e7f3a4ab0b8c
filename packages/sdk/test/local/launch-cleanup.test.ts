/**
 * `launchSandbox` undoes what it made when a later step fails: the cgroups, the egress proxy and
 * the work disk (root) exist by the time the caller's `command` is asked for its argv, so a
 * command that throws there shows that each is taken down again and the error is the caller's.
 * The isolation/network refusals come after the work disk is mounted (root): they release it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectIsolation, launchSandbox, type LaunchOptions } from '../../src/local/index.js';
import { PROXY_SOCKET_FILE } from '../../src/local/net-bridge.js';
import { WORK_IMAGE } from '../../src/local/work-disk.js';
import { tempStateDir } from './helpers.js';

const MiB = 1024 * 1024;
const report = await detectIsolation();
const isRoot = process.getuid?.() === 0;

/** What a launch of `name` in `baseDir` may leave on the host, read synchronously. */
function traces(baseDir: string, name: string): string[] {
  const found: string[] = [];
  for (const parent of new Set(Object.values(report.cgroups.parents))) {
    const dir = join(parent, name);
    if (existsSync(dir)) found.push(`cgroup ${dir}`);
  }
  const socket = join(baseDir, 'net', PROXY_SOCKET_FILE);
  if (existsSync(socket)) found.push(`proxy socket ${socket}`);
  const work = join(baseDir, 'work');
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8');
  if (mounts.split('\n').some((line) => line.split(' ')[4] === work)) found.push(`mount ${work}`);
  if (existsSync(join(baseDir, WORK_IMAGE))) found.push(`image ${WORK_IMAGE}`);
  return found;
}

describe('launchSandbox cleans up a launch that fails part-way', () => {
  let stateDir: string;

  beforeAll(async () => {
    stateDir = await tempStateDir();
  });

  afterAll(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  // no bubblewrap is needed: the launch fails before anything is spawned
  it('a failure after the disk, proxy and cgroups exist takes each down and rethrows', async () => {
    const name = `part-way-${process.pid}`;
    const baseDir = join(stateDir, name);
    const refusal = new Error('this command refuses to be built');
    let during: string[] = [];
    const launch = launchSandbox({
      name,
      level: 'bubblewrap',
      baseDir,
      network: { mode: 'allow', domains: ['example.test'] },
      limits: { maxProcesses: 64, diskBytes: 64 * MiB },
      cgroups: report.cgroups,
      command: () => {
        during = traces(baseDir, name);
        throw refusal;
      },
    });
    await expect(launch).rejects.toBe(refusal);
    // it had got that far: the proxy, and the cgroups and disk where this process can make them
    expect(during).toContain(`proxy socket ${join(baseDir, 'net', PROXY_SOCKET_FILE)}`);
    if (report.cgroups.writable) expect(during.some((t) => t.startsWith('cgroup '))).toBe(true);
    if (isRoot) expect(during).toContain(`mount ${join(baseDir, 'work')}`);
    expect(traces(baseDir, name)).toEqual([]);
  }, 120_000);

  const refusals: [string, Partial<LaunchOptions>, RegExp][] = [
    [
      "isolation 'none' with network 'none'",
      { level: 'none', network: { mode: 'none' } },
      /isolation 'none' cannot keep network mode 'none'/,
    ],
    [
      "gVisor with network 'full'",
      { level: 'gvisor', network: { mode: 'full' } },
      /network mode 'full' is not offered with gVisor/,
    ],
    [
      "network 'allow' without bubblewrap",
      { level: 'unshare', network: { mode: 'allow', domains: ['example.test'] } },
      /Network mode 'allow' needs bubblewrap isolation \(got 'unshare'\)/,
    ],
  ];
  it.each(refusals)(
    '%s is refused after the work disk is made, and the disk is released',
    async (label, overrides, message) => {
      const name = `refused-${process.pid}-${refusals.findIndex(([l]) => l === label)}`;
      const baseDir = join(stateDir, name);
      let asked = false;
      const launch = launchSandbox({
        name,
        level: 'bubblewrap',
        baseDir,
        network: { mode: 'none' },
        limits: { diskBytes: 64 * MiB },
        cgroups: report.cgroups,
        command: () => {
          asked = true;
          return ['true'];
        },
        ...overrides,
      });
      await expect(launch).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: expect.stringMatching(message),
      });
      expect(asked).toBe(false);
      expect(traces(baseDir, name)).toEqual([]);
    },
    60_000,
  );
});
