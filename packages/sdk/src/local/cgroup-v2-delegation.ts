/**
 * cgroup v2 for a normal user: sandboxes get limits when this process runs in a cgroup that was
 * delegated to it, e.g. `systemd-run --user --scope -p Delegate=yes corral …`. Designed from the
 * kernel's cgroup-v2 documentation ("Delegation", "No Internal Process Constraint"):
 *
 * - A cgroup is delegated by giving the user write access to its directory and to its
 *   `cgroup.procs` and `cgroup.subtree_control` files; the user may then make child cgroups and
 *   set their limits (a child's files are the user's), but not the delegated cgroup's own limits.
 * - Moving a process needs write access to `cgroup.procs` of the common ancestor of the source and
 *   destination cgroups, so only cgroups inside the delegated one are reachable: Corral uses the
 *   cgroup it runs in, never a wider one (that belongs to systemd or whoever delegated it).
 * - A non-root cgroup can hand controllers to its children only while it has no processes of its
 *   own, so the delegated cgroup's processes (Corral itself) move to a leaf, `corral-host`, before
 *   `+memory +pids +cpu` is written to its `cgroup.subtree_control`.
 *
 * Untested on a real v2 host (CI is cgroup v1); the unit tests use a fake cgroupfs tree.
 */
import { appendFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import type { CgroupLayout } from './detect-types.js';

export const SANDBOX_CONTROLLERS = ['memory', 'cpu', 'pids'] as const;
/** Where the delegated cgroup's own processes go (the no-internal-processes rule). */
export const HOST_LEAF = 'corral-host';
/** The files a delegation must make writable (cgroup-v2.rst, "Model of Delegation"). */
const DELEGATED_FILES = ['.', 'cgroup.procs', 'cgroup.subtree_control'] as const;

export interface DelegationInput {
  /** The cgroup2 mount, `/sys/fs/cgroup`. */
  mount: string;
  /** Contents of `/proc/self/cgroup`. */
  selfCgroup: string;
  uid: number;
  gids: readonly number[];
}

/** This process's own cgroup as a directory, or undefined when not on the unified hierarchy. */
export function ownCgroupDir(mount: string, selfCgroup: string): string | undefined {
  const line = selfCgroup.split('\n').find((l) => l.startsWith('0::'));
  if (line === undefined) return undefined;
  return join(mount, line.slice(3).trim());
}

/**
 * The layout for a non-root process on cgroup v2: `writable` when its own cgroup (or, once it
 * moved there, the parent of its `corral-host` leaf) is delegated to it, with the controllers
 * that cgroup can hand down; otherwise why not.
 */
export async function detectDelegatedV2(input: DelegationInput): Promise<CgroupLayout> {
  const own = ownCgroupDir(input.mount, input.selfCgroup);
  const base = { version: 'v2' as const, mount: input.mount, delegated: false, parents: {} };
  if (own === undefined)
    return { ...base, writable: false, reason: 'no 0:: line in /proc/self/cgroup' };
  const dir = basename(own) === HOST_LEAF ? dirname(own) : own;
  if (relative(input.mount, dir) === '') {
    return {
      ...base,
      writable: false,
      reason: `this process is in the root cgroup; only root manages it (uid ${input.uid})`,
    };
  }
  const denied: string[] = [];
  for (const file of DELEGATED_FILES) {
    const info = await stat(join(dir, file)).catch(() => undefined);
    if (!info || !writableBy(info, input.uid, input.gids)) denied.push(file === '.' ? dir : file);
  }
  if (denied.length > 0) {
    return {
      ...base,
      writable: false,
      reason: `${dir} is not delegated to uid ${input.uid} (not writable: ${denied.join(', ')})`,
    };
  }
  const available = await readFile(join(dir, 'cgroup.controllers'), 'utf8').then(
    (text) => text.trim().split(/\s+/),
    () => [] as string[],
  );
  const present = SANDBOX_CONTROLLERS.filter((c) => available.includes(c));
  const missing = SANDBOX_CONTROLLERS.filter((c) => !available.includes(c));
  return {
    ...base,
    writable: present.length > 0,
    delegated: true,
    parents: Object.fromEntries(present.map((c) => [c, dir])),
    hostLeaf: join(dir, HOST_LEAF),
    ...(missing.length
      ? {
          missing,
          reason: `${dir} is delegated without the ${missing.join(', ')} controller${missing.length > 1 ? 's' : ''}`,
        }
      : {}),
  };
}

/**
 * Makes the delegated cgroup able to hand out controllers: moves its processes into the
 * `corral-host` leaf, then enables the controllers for its children. Idempotent (a second call
 * finds no processes to move and the controllers already on).
 */
export async function prepareDelegatedV2(layout: CgroupLayout): Promise<void> {
  const parent = Object.values(layout.parents)[0];
  if (!parent || !layout.hostLeaf) return;
  const pids = (await readFile(join(parent, 'cgroup.procs'), 'utf8'))
    .split('\n')
    .filter((line) => /^\d+$/.test(line));
  if (pids.length > 0) {
    await mkdir(layout.hostLeaf, { recursive: true });
    for (const pid of pids) {
      // one pid per write; a process that exited meanwhile is not an error (ESRCH)
      await appendFile(join(layout.hostLeaf, 'cgroup.procs'), `${pid}\n`).catch(
        (error: NodeJS.ErrnoException) => {
          if (error.code !== 'ESRCH') throw error;
        },
      );
    }
  }
  const wanted = SANDBOX_CONTROLLERS.filter((c) => layout.parents[c] !== undefined);
  await writeFile(join(parent, 'cgroup.subtree_control'), wanted.map((c) => `+${c}`).join(' '));
}

function writableBy(
  info: { uid: number; gid: number; mode: number },
  uid: number,
  gids: readonly number[],
): boolean {
  if (info.uid === uid) return (info.mode & 0o200) !== 0;
  if (gids.includes(info.gid)) return (info.mode & 0o020) !== 0;
  return (info.mode & 0o002) !== 0;
}
