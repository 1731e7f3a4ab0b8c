/**
 * Ends a launched sandbox completely: its processes (gently first, then all at once), gVisor's
 * container state, its cgroups, its egress proxy and its work disk, in that order.
 */
import { spawn } from 'node:child_process';
import { cgroupPids, killCgroup, removeSandboxCgroup } from './cgroups.js';
import type { EgressProxy } from './egress-proxy.js';
import { gvisorDeleteArgs } from './gvisor-bundle.js';
import { pidsOfUid, signal, within, type ExitStatus } from './host-process.js';
import type { LaunchLevel } from './launcher-argv.js';
import { releaseWorkDisk } from './work-disk.js';

/** What `stop` needs to know of a launched sandbox. */
export interface StopTarget {
  level: LaunchLevel;
  name: string;
  /** The sandbox's outermost process. */
  pid: number;
  exited: Promise<ExitStatus>;
  cgroupDirs: string[];
  uid: number | undefined;
  runscRoot: string;
  proxy: EgressProxy | undefined;
  baseDir: string;
}

/** `LaunchedSandbox.stop`: the first call does the work, later calls wait for the same end. */
export function stopper(target: StopTarget): (graceMs?: number) => Promise<void> {
  let stopping: Promise<void> | undefined;
  return (graceMs = 500) => (stopping ??= stopSandbox(target, graceMs));
}

async function stopSandbox(target: StopTarget, graceMs: number): Promise<void> {
  const { level, pid: spawned, cgroupDirs: dirsForStop, uid } = target;
  const done = target.exited.then(() => undefined);
  if (level === 'gvisor') {
    // runsc forwards signals to the sandboxed command; the Sentry and Gofer must not get them
    signal(spawned, 'SIGTERM');
  } else if (dirsForStop.length) {
    // SIGTERM the sandboxed processes so the command can exit cleanly; the outermost bwrap or
    // unshare is spared (it would SIGKILL everything at once), pid-namespace inits ignore it
    for (const pid of await cgroupPids(dirsForStop)) {
      if (pid !== spawned || level === 'none') signal(pid, 'SIGTERM');
    }
  } else {
    signal(-spawned, 'SIGTERM');
  }
  if (!(await within(done, graceMs))) {
    signal(-spawned, 'SIGKILL');
    signal(spawned, 'SIGKILL');
  }
  await killCgroup(dirsForStop);
  await done;
  if (uid !== undefined && dirsForStop.length === 0) {
    // without cgroups, the uid (this sandbox's alone) is the list of its processes
    for (const pid of await pidsOfUid(uid)) signal(pid, 'SIGKILL');
  }
  if (level === 'gvisor')
    await runQuietly('runsc', gvisorDeleteArgs(target.runscRoot, target.name));
  await removeSandboxCgroup(dirsForStop);
  await target.proxy?.close();
  await releaseWorkDisk(target.baseDir);
}

function runQuietly(file: string, args: string[]): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { stdio: 'ignore', env: { PATH: '/usr/bin:/bin' } });
    child.on('error', () => resolve());
    child.on('exit', () => resolve());
  });
}
