/**
 * Per-sandbox cgroups (v1 controllers `memory`, `cpu`, `pids`, or one v2 directory). They are made
 * and limited before the sandbox starts; the launcher moves itself in before exec'ing the sandbox,
 * so every sandbox process is born inside the limits (fail closed). The pids cgroup doubles as the
 * authoritative list of the sandbox's processes when killing it.
 */
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LimitsNotApplied, ResourceLimits } from '../provider.js';
import { prepareDelegatedV2 } from './cgroup-v2-delegation.js';
import type { CgroupLayout } from './detect.js';
import { ConflictError, IsolationUnavailableError } from '../errors.js';

const CPU_PERIOD_US = 100_000;

export interface SandboxCgroup {
  /** Directories made for this sandbox (one per v1 controller, or one for v2). */
  dirs: string[];
  /** `cgroup.procs` files the launcher writes its pid to before exec. */
  procsFiles: string[];
  applied: ResourceLimits;
  /** Requested limits that are not enforced, and why. */
  notApplied: LimitsNotApplied;
  warnings: string[];
}

const LIMIT_KEYS = ['memoryBytes', 'cpus', 'maxProcesses'] as const;

/**
 * Every requested limit, as not applied: this process cannot make cgroups (not root, nothing
 * delegated). Says why and where the fix is, never pretends.
 */
export function limitsWithoutCgroups(
  layout: CgroupLayout,
  limits: ResourceLimits,
): LimitsNotApplied {
  const reason =
    `no cgroup this process may write (${layout.reason ?? 'not writable'}); ` +
    'run `corral doctor` for how to get one (cgroup delegation)';
  const out: LimitsNotApplied = {};
  for (const key of LIMIT_KEYS) if (limits[key] !== undefined) out[key] = reason;
  return out;
}

export async function createSandboxCgroup(
  layout: CgroupLayout,
  name: string,
  limits: ResourceLimits,
): Promise<SandboxCgroup> {
  const made: SandboxCgroup = {
    dirs: [],
    procsFiles: [],
    applied: {},
    notApplied: {},
    warnings: [],
  };
  try {
    if (layout.version === 'v2') await createV2(layout, name, limits, made);
    else await createV1(layout, name, limits, made);
    return made;
  } catch (error) {
    await removeSandboxCgroup(made.dirs);
    throw error;
  }
}

/**
 * The sandbox's cgroup directory. One left by a process that died (no tasks in it) is taken
 * over; one with tasks belongs to a live sandbox of the same id in another Corral on this host.
 */
async function makeCgroupDir(dir: string, name: string): Promise<void> {
  try {
    await mkdir(dir);
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const procs = await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => '');
  if (procs.trim() !== '')
    throw new ConflictError(
      `a sandbox with id ${name} is running in another Corral process on this host (its cgroup ${dir} has processes); ` +
        'use another id (or task id), or stop the other sandbox first',
    );
  await rmdir(dir);
  await mkdir(dir);
}

async function createV1(
  layout: CgroupLayout,
  name: string,
  limits: ResourceLimits,
  made: SandboxCgroup,
) {
  for (const [controller, parent] of Object.entries(layout.parents)) {
    await mkdir(parent, { recursive: true });
    const dir = join(parent, name);
    await makeCgroupDir(dir, name);
    made.dirs.push(dir);
    made.procsFiles.push(join(dir, 'cgroup.procs'));
    if (controller === 'memory' && limits.memoryBytes !== undefined) {
      await writeFile(join(dir, 'memory.limit_in_bytes'), String(limits.memoryBytes));
      try {
        // without this a swap-enabled host lets the sandbox spill past its limit into swap
        await writeFile(join(dir, 'memory.memsw.limit_in_bytes'), String(limits.memoryBytes));
      } catch {
        made.warnings.push('memory.memsw.limit_in_bytes not available: swap is not limited');
      }
      made.applied.memoryBytes = limits.memoryBytes;
    }
    if (controller === 'cpu' && limits.cpus !== undefined) {
      await writeFile(join(dir, 'cpu.cfs_period_us'), String(CPU_PERIOD_US));
      await writeFile(
        join(dir, 'cpu.cfs_quota_us'),
        String(Math.max(1000, Math.round(limits.cpus * CPU_PERIOD_US))),
      );
      made.applied.cpus = limits.cpus;
    }
    if (controller === 'pids' && limits.maxProcesses !== undefined) {
      await writeFile(join(dir, 'pids.max'), String(limits.maxProcesses));
      made.applied.maxProcesses = limits.maxProcesses;
    }
  }
  for (const [key, controller] of [
    ['memoryBytes', 'memory'],
    ['cpus', 'cpu'],
    ['maxProcesses', 'pids'],
  ] as const) {
    if (limits[key] !== undefined && made.applied[key] === undefined) {
      const reason = `cgroup controller '${controller}' is not available${layout.reason ? ` (${layout.reason})` : ''}`;
      made.notApplied[key] = reason;
      made.warnings.push(`${key} not applied: ${reason}`);
    }
  }
}

async function createV2(
  layout: CgroupLayout,
  name: string,
  limits: ResourceLimits,
  made: SandboxCgroup,
) {
  const parent = layout.parents.pids ?? layout.parents.memory ?? layout.parents.cpu;
  if (!parent) {
    throw new IsolationUnavailableError(
      'No cgroup v2 parent has the memory, cpu or pids controller; run `corral doctor` to see the cgroup setup.',
    );
  }
  if (layout.delegated) {
    // our own delegated cgroup: only it, never its ancestors (they are not ours)
    await prepareDelegatedV2(layout);
  } else {
    await mkdir(parent, { recursive: true });
    const wanted = Object.keys(layout.parents).map((c) => `+${c}`);
    // enable the controllers on the way down; ignore levels that already have them or refuse
    for (const dir of ancestorsFrom(layout.mount ?? '/sys/fs/cgroup', parent)) {
      try {
        await writeFile(join(dir, 'cgroup.subtree_control'), wanted.join(' '));
      } catch {
        // a level may refuse (e.g. it has processes of its own); the limit write below then fails visibly
      }
    }
  }
  const dir = join(parent, name);
  await makeCgroupDir(dir, name);
  made.dirs.push(dir);
  made.procsFiles.push(join(dir, 'cgroup.procs'));
  const set = async (
    file: string,
    value: string,
    key: keyof ResourceLimits,
    limit: number | undefined,
  ) => {
    if (limit === undefined) return;
    const controller = file.split('.')[0] ?? file;
    if (layout.parents[controller] === undefined) {
      const reason = `cgroup controller '${controller}' is not available${layout.reason ? ` (${layout.reason})` : ''}; \`corral doctor\` says how to delegate it`;
      made.notApplied[key] = reason;
      made.warnings.push(`${key} not applied: ${reason}`);
      return;
    }
    try {
      await writeFile(join(dir, file), value);
      made.applied[key] = limit;
    } catch (error) {
      const reason = `writing ${file} failed (${(error as Error).message})`;
      made.notApplied[key] = reason;
      made.warnings.push(`${key} not applied: ${reason}`);
    }
  };
  await set('memory.max', String(limits.memoryBytes), 'memoryBytes', limits.memoryBytes);
  if (made.applied.memoryBytes !== undefined)
    await writeFile(join(dir, 'memory.swap.max'), '0').catch(() => undefined);
  const quota = Math.max(1000, Math.round((limits.cpus ?? 0) * CPU_PERIOD_US));
  await set('cpu.max', `${quota} ${CPU_PERIOD_US}`, 'cpus', limits.cpus);
  await set('pids.max', String(limits.maxProcesses), 'maxProcesses', limits.maxProcesses);
}

function ancestorsFrom(root: string, dir: string): string[] {
  const rel = dir.slice(root.length).split('/').filter(Boolean);
  const out = [root];
  for (let i = 0; i < rel.length; i++) out.push(join(root, ...rel.slice(0, i + 1)));
  return out;
}

/** Pids currently in the sandbox's cgroups (union over controllers). */
export async function cgroupPids(dirs: readonly string[]): Promise<number[]> {
  const pids = new Set<number>();
  for (const dir of dirs) {
    try {
      for (const line of (await readFile(join(dir, 'cgroup.procs'), 'utf8')).split('\n')) {
        const pid = Number(line);
        if (line && Number.isInteger(pid)) pids.add(pid);
      }
    } catch {
      // already removed
    }
  }
  return [...pids];
}

/**
 * SIGKILLs every process in the cgroups until they are empty. v1 has no `cgroup.kill` and no
 * event when a cgroup empties, so this re-reads the member list a bounded number of times; with
 * `pids.max` set a fork bomb cannot outrun it.
 */
export async function killCgroup(dirs: readonly string[]): Promise<void> {
  for (const dir of dirs) await writeFile(join(dir, 'cgroup.kill'), '1').catch(() => undefined);
  for (let round = 0; round < 200; round++) {
    const pids = await cgroupPids(dirs);
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    await sleep(round < 10 ? 5 : 25);
  }
}

/**
 * Removes the cgroup directories. A killed process stays a member until it is reaped, and PID 1
 * on some hosts reaps orphans lazily (~1 s), so EBUSY is retried for a bounded time.
 */
export async function removeSandboxCgroup(dirs: readonly string[]): Promise<void> {
  for (const dir of dirs) {
    for (let attempt = 0; ; attempt++) {
      try {
        await rmdir(dir);
        break;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') break;
        if (code !== 'EBUSY' || attempt >= 150) throw error;
        await killCgroup([dir]);
        await sleep(20);
      }
    }
  }
}

/** OOM kills seen in the sandbox's memory cgroup, when one exists. */
export async function oomKills(dirs: readonly string[]): Promise<number> {
  for (const dir of dirs) {
    for (const file of ['memory.oom_control', 'memory.events']) {
      try {
        const match = /oom_kill (\d+)/.exec(await readFile(join(dir, file), 'utf8'));
        if (match) return Number(match[1]);
      } catch {
        // not a memory cgroup
      }
    }
  }
  return 0;
}
