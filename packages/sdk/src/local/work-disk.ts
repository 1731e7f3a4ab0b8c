/**
 * The work dir's disk bound (red-team W5, docs/decisions/0033): as root, the work dir is the
 * mount point of a per-sandbox ext4 image, a sparse file of `diskBytes` under the sandbox's
 * state dir, loop-mounted `nosuid,nodev`. Filling it stops at the bound with ENOSPC inside; the
 * host disk pays only for the blocks written. Its own file system also keeps the host path of
 * the work dir out of `/proc/self/mountinfo` (the bind's root is `/`, its source a loop device).
 * Without root there is no way to mount one: the work dir stays a plain directory and the
 * caller gets a warning.
 */
import { execFile } from 'node:child_process';
import { open, readFile, rm, rmdir, chmod, chown } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' };
const GiB = 1024 * 1024 * 1024;

/** Default size of the work dir's file system: 10 GiB (sparse: only written blocks cost disk). */
export const DEFAULT_DISK_BYTES = 10 * GiB;
/** The smallest image mkfs.ext4 handles without special options. */
export const MIN_DISK_BYTES = 16 * 1024 * 1024;
export const WORK_IMAGE = 'work.img';

export interface WorkDisk {
  /** The bound in force, or undefined with `warning` saying why there is none. */
  appliedBytes?: number;
  warning?: string;
}

/** The image's size for a requested bound: whole 4 KiB blocks. */
export function diskImageBytes(requested: number): number {
  return Math.floor(requested / 4096) * 4096;
}

/** Makes and mounts the image on `workDir` (an empty directory), owned by `uid`. */
export async function mountWorkDisk(options: {
  baseDir: string;
  workDir: string;
  bytes: number;
  uid: number | undefined;
}): Promise<WorkDisk> {
  if (process.getuid?.() !== 0) {
    return {
      warning:
        'work dir disk quota not applied: mounting its image needs root; the work dir shares the host disk',
    };
  }
  const image = join(options.baseDir, WORK_IMAGE);
  const bytes = diskImageBytes(options.bytes);
  const owner = options.uid ?? 0;
  try {
    const handle = await open(image, 'wx', 0o600);
    await handle.truncate(bytes);
    await handle.close();
    // no journal: a sandbox's work dir does not outlive a host crash, and mkfs is faster
    await run(
      'mkfs.ext4',
      [
        '-q',
        '-F',
        '-O',
        '^has_journal',
        '-m',
        '0',
        '-E',
        `lazy_itable_init=1,root_owner=${owner}:${owner}`,
        image,
      ],
      { env: ENV },
    );
    await run('mount', ['-o', 'loop,nosuid,nodev', image, options.workDir], { env: ENV });
  } catch (error) {
    await rm(image, { force: true });
    const detail = (error as { stderr?: string }).stderr?.trim() || (error as Error).message;
    return {
      warning: `work dir disk quota not applied: the loop-mounted image failed (${detail.split('\n')[0]}); the work dir shares the host disk`,
    };
  }
  await rmdir(join(options.workDir, 'lost+found')).catch(() => undefined);
  await chown(options.workDir, owner, owner);
  await chmod(options.workDir, 0o700);
  return { appliedBytes: bytes };
}

async function isMountPoint(path: string): Promise<boolean> {
  const table = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  // field 5 is the mount point, with spaces and the like octal-escaped
  const escaped = path.replace(
    /[ \t\n\\]/g,
    (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`,
  );
  return table.split('\n').some((line) => line.split(' ')[4] === escaped);
}

/**
 * Unmounts the work dir's image (if mounted) and removes it. Lazy as a fallback: a process that
 * still holds a file open must not keep the host from cleaning up. Safe to call more than once.
 */
export async function releaseWorkDisk(baseDir: string): Promise<void> {
  const workDir = join(baseDir, 'work');
  if (process.getuid?.() === 0 && (await isMountPoint(workDir))) {
    await run('umount', [workDir], { env: ENV }).catch(() =>
      run('umount', ['-l', workDir], { env: ENV }).catch(() => undefined),
    );
  }
  await rm(join(baseDir, WORK_IMAGE), { force: true });
}
