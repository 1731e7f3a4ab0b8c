/**
 * A host-side look at a sandbox's processes. From inside, a scan cannot read the environment of
 * the processes that run under a host uid outside the sandbox's mapping (they show as `nobody`:
 * the runner and the launcher's helper), so the key-never-inside tests also read every process
 * of the sandbox's pid namespace from the host, where nothing is hidden.
 */
import { readdir, readFile, readlink } from 'node:fs/promises';

export interface SandboxProcess {
  pid: number;
  comm: string;
  environ: Buffer;
  cmdline: Buffer;
}

/** The `pid:[<inode>]` a process inside printed with `readlink /proc/self/ns/pid`. */
export function pidNamespaceIn(text: string): string | undefined {
  return /pid:\[\d+\]/.exec(text)?.[0];
}

/** Every live process whose pid namespace is `ns` (e.g. `pid:[4026532301]`). */
export async function processesInPidNamespace(ns: string): Promise<SandboxProcess[]> {
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  const found: SandboxProcess[] = [];
  for (const pid of pids) {
    try {
      if ((await readlink(`/proc/${pid}/ns/pid`)) !== ns) continue;
      const [comm, environ, cmdline] = await Promise.all([
        readFile(`/proc/${pid}/comm`, 'utf8'),
        readFile(`/proc/${pid}/environ`),
        readFile(`/proc/${pid}/cmdline`),
      ]);
      found.push({ pid: Number(pid), comm: comm.trim(), environ, cmdline });
    } catch {
      // another user's process we may not inspect, or one that ended while we looked
    }
  }
  return found;
}
