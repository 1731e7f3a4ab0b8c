/**
 * The on-disk cache of isolation probes (`<stateDir>/.isolation-probe-<uid>.json`). Probing costs
 * a few spawned sandboxes; its answer only changes when something it depends on changes, so the
 * cache is keyed by a fingerprint of exactly that: the probed binaries (path, size, mtime, ctime,
 * inode — a new version is a new file), the kernel, the uid/gid and user namespace, the sysctls
 * and AppArmor policy that gate unprivileged user namespaces and ptrace, and the cgroup layout.
 * A stale or unreadable file is a miss, never an error.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, readlink, rename, stat, writeFile } from 'node:fs/promises';
import { release, version } from 'node:os';
import { join } from 'node:path';
import type { CgroupLayout, MechanismProbe } from './detect-types.js';

/** Bump when a probe changes what it checks: older cache files then miss. */
const CACHE_FORMAT = 1;

/** What the probes found, as cached. */
export interface CachedProbes {
  probedAt: string;
  bubblewrap: MechanismProbe;
  unshare: MechanismProbe;
  gvisor: MechanismProbe;
}

interface CacheFile extends CachedProbes {
  format: number;
  key: string;
}

/** Every binary a probe (or a sandbox launch) runs; `undefined` when not on PATH. */
export type ProbeTools = Record<string, string | undefined>;

/** Files whose content gates unprivileged user namespaces, ptrace (gVisor) or bwrap's profile. */
const GATES = [
  '/proc/sys/kernel/unprivileged_userns_clone',
  '/proc/sys/user/max_user_namespaces',
  '/proc/sys/kernel/apparmor_restrict_unprivileged_userns',
  '/proc/sys/kernel/yama/ptrace_scope',
];

export function cacheFile(dir: string, uid: number): string {
  return join(dir, `.isolation-probe-${uid}.json`);
}

export async function hostFingerprint(
  tools: ProbeTools,
  cgroups: CgroupLayout,
  uid: number,
): Promise<string> {
  const binaries = await Promise.all(
    Object.entries(tools).map(async ([name, path]) => {
      if (!path) return [name, null];
      const s = await stat(path).catch(() => undefined);
      return [name, s ? [path, s.size, s.mtimeMs, s.ctimeMs, s.ino, s.dev] : [path]];
    }),
  );
  const gates = await Promise.all(
    GATES.map((file) =>
      readFile(file, 'utf8').then(
        (t) => t.trim(),
        () => null,
      ),
    ),
  );
  const apparmor = await stat('/etc/apparmor.d').then(
    (s) => s.mtimeMs,
    () => null,
  );
  const userns = await readlink('/proc/self/ns/user').catch(() => null);
  const material = {
    format: CACHE_FORMAT,
    uid,
    gid: process.getgid?.() ?? -1,
    kernel: [release(), version()],
    userns,
    binaries,
    gates,
    apparmor,
    cgroups,
  };
  return createHash('sha256').update(JSON.stringify(material)).digest('hex');
}

export async function readProbeCache(
  dir: string,
  uid: number,
  key: string,
): Promise<CachedProbes | undefined> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(cacheFile(dir, uid), 'utf8'));
  } catch {
    return undefined;
  }
  if (!isCacheFile(parsed) || parsed.format !== CACHE_FORMAT || parsed.key !== key)
    return undefined;
  const { probedAt, bubblewrap, unshare, gvisor } = parsed;
  return { probedAt, bubblewrap, unshare, gvisor };
}

/** Best effort: a state dir we cannot write only means the next process probes again. */
export async function writeProbeCache(
  dir: string,
  uid: number,
  key: string,
  probes: CachedProbes,
): Promise<void> {
  const file = cacheFile(dir, uid);
  const tmp = `${file}.${process.pid}.tmp`;
  const body: CacheFile = { format: CACHE_FORMAT, key, ...probes };
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFile(tmp, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600 });
    // atomic: concurrent processes each write a whole file, the last rename wins
    await rename(tmp, file);
  } catch {
    // not cached this time
  }
}

function isProbe(value: unknown): value is MechanismProbe {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.available === 'boolean' &&
    ['path', 'version', 'reason'].every((k) => v[k] === undefined || typeof v[k] === 'string') &&
    (v.skipped === undefined || typeof v.skipped === 'boolean')
  );
}

function isCacheFile(value: unknown): value is CacheFile {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.format === 'number' &&
    typeof v.key === 'string' &&
    typeof v.probedAt === 'string' &&
    isProbe(v.bubblewrap) &&
    isProbe(v.unshare) &&
    isProbe(v.gvisor)
  );
}
