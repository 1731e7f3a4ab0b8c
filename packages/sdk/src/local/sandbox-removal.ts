/** Removing what a local sandbox leaves: its processes, cgroups and directory. */
import { chmod, lstat, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { killCgroup, removeSandboxCgroup } from './cgroups.js';
import { pidsOfUid, processStartTime, signal } from './host-process.js';
import type { SandboxRecord } from './state.js';

/** Whether `pid` is still the process that started at `startTime` (pids are reused). */
export async function sameProcess(pid: number, startTime: string | undefined): Promise<boolean> {
  const now = await processStartTime(pid);
  return now !== undefined && (startTime === undefined || now === startTime);
}

/**
 * `rm -rf` that also removes what the sandboxed code made unreadable: without root, a directory
 * it chmodded to 000 cannot be listed, so permissions are restored (u+rwx) top-down and the
 * removal retried.
 */
export async function removeDir(dir: string): Promise<void> {
  try {
    await rm(dir, { recursive: true, force: true });
    return;
  } catch (error) {
    if (!['EACCES', 'EPERM'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
  }
  const fix = async (path: string): Promise<void> => {
    const info = await lstat(path).catch(() => undefined);
    if (!info?.isDirectory()) return;
    await chmod(path, 0o700).catch(() => undefined);
    const entries = await readdir(path).catch(() => [] as string[]);
    for (const entry of entries) await fix(join(path, entry));
  };
  await fix(dir);
  await rm(dir, { recursive: true, force: true });
}

/** Ends a sandbox this process did not start (its owner is another process, or gone). */
export async function destroyForeign(record: SandboxRecord): Promise<void> {
  if (await sameProcess(record.pid, record.pidStartTime)) {
    signal(-record.pid, 'SIGKILL');
    signal(record.pid, 'SIGKILL');
  }
  await killCgroup(record.cgroupDirs);
  // the cgroups list the sandbox's processes exactly; a uid may be shared with a bystander
  // (another Corral process or state dir drew the same one), so it is the fallback only
  if (record.uid !== undefined && record.cgroupDirs.length === 0)
    for (const pid of await pidsOfUid(record.uid)) signal(pid, 'SIGKILL');
  await removeSandboxCgroup(record.cgroupDirs);
}
