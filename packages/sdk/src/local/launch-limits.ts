/**
 * The resource limits of one launch: the sandbox's cgroups (or why there are none) and the work
 * dir's size-limited file system, reported as what is enforced and what is not, and why.
 */
import type { LimitsNotApplied, ResourceLimits } from '../provider.js';
import { createSandboxCgroup, limitsWithoutCgroups } from './cgroups.js';
import type { CgroupLayout } from './detect.js';
import type { LaunchLevel } from './launcher-argv.js';
import { mountWorkDisk } from './work-disk.js';

/** pids.max for gVisor sandboxes: the Sentry and Gofer are many-threaded Go programs. */
const GVISOR_PIDS_BACKSTOP = 1024;

export interface CgroupLimits {
  /** The sandbox's cgroup directories (empty without writable cgroups). */
  dirs: string[];
  applied: ResourceLimits;
  notApplied: LimitsNotApplied;
}

/** What became of `limits.diskBytes`: the bytes applied, or the warning saying why not. */
export interface DiskLimit {
  appliedBytes?: number | undefined;
  warning?: string | undefined;
}

/** The work dir's own size-limited file system (root only; otherwise a warning). */
export async function workDiskLimit(
  limits: ResourceLimits,
  baseDir: string,
  workDir: string,
  uid: number | undefined,
  warnings: string[],
  mountedBytes?: number,
): Promise<DiskLimit> {
  if (limits.diskBytes === undefined) return {};
  // made ahead of time and renamed into place (spare-work-disk.ts)
  if (mountedBytes !== undefined) return { appliedBytes: mountedBytes };
  const disk = await mountWorkDisk({ baseDir, workDir, bytes: limits.diskBytes, uid });
  if (!disk.warning) return { appliedBytes: disk.appliedBytes };
  warnings.push(disk.warning);
  return { appliedBytes: disk.appliedBytes, warning: disk.warning };
}

/** Creates the sandbox's cgroups with `limits`, or reports the limits cgroups would enforce. */
export async function cgroupLimits(
  cgroups: CgroupLayout,
  name: string,
  limits: ResourceLimits,
  level: LaunchLevel,
  warnings: string[],
): Promise<CgroupLimits> {
  if (cgroups.writable) {
    const gvisorPids = level === 'gvisor' && limits.maxProcesses !== undefined;
    const requested = gvisorPids ? { ...limits, maxProcesses: GVISOR_PIDS_BACKSTOP } : limits;
    const cgroup = await createSandboxCgroup(cgroups, name, requested);
    const applied = cgroup.applied;
    const notApplied = cgroup.notApplied;
    warnings.push(...cgroup.warnings);
    if (gvisorPids) {
      delete applied.maxProcesses;
      const reason = `not enforced exactly under gVisor: host pids.max counts the Sentry's threads; a backstop of ${GVISOR_PIDS_BACKSTOP} host tasks applies`;
      notApplied.maxProcesses = reason;
      warnings.push(`maxProcesses ${reason}`);
    }
    return { dirs: cgroup.dirs, applied, notApplied };
  }
  if (Object.keys(limits).some((k) => k !== 'diskBytes')) {
    const notApplied = limitsWithoutCgroups(cgroups, limits);
    warnings.push(
      `resource limits not applied (${Object.keys(notApplied).join(', ')}): cgroups unavailable (${cgroups.reason ?? 'not writable'}); \`corral doctor\` says how to delegate a cgroup`,
    );
    return { dirs: [], applied: {}, notApplied };
  }
  return { dirs: [], applied: {}, notApplied: {} };
}

/** Adds the work disk's outcome to the cgroup limits' report. */
export function addDiskLimit(limits: CgroupLimits, disk: DiskLimit): void {
  if (disk.appliedBytes !== undefined) limits.applied.diskBytes = disk.appliedBytes;
  else if (disk.warning !== undefined) limits.notApplied.diskBytes = disk.warning;
}
