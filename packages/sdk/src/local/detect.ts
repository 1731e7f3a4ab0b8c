/**
 * What isolation this host can actually provide. Every mechanism is probed by running `true`
 * inside it (in parallel, once per process): a binary on PATH says nothing about whether user
 * namespaces, cgroups or ptrace work here.
 */
import { spawn } from 'node:child_process';
import { access, constants, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IsolationUnavailableError } from '../errors.js';
import type { IsolationLevel } from '../provider.js';

export interface MechanismProbe {
  available: boolean;
  /** Absolute path of the binary, when found. */
  path?: string;
  version?: string;
  /** Why it is unavailable (the probe's error output, trimmed). */
  reason?: string;
}

export interface CgroupLayout {
  version: 'v1' | 'v2' | 'none';
  /** Whether this process may create per-sandbox cgroups (root, or a delegated subtree). */
  writable: boolean;
  delegated: boolean;
  /** Per controller (`memory`, `cpu`, `pids`): the directory under which sandbox cgroups go. */
  parents: Record<string, string>;
  reason?: string;
}

export interface IsolationReport {
  root: boolean;
  uid: number;
  gvisor: MechanismProbe;
  bubblewrap: MechanismProbe;
  unshare: MechanismProbe;
  cgroups: CgroupLayout;
}

export interface ChooseIsolationOptions {
  isolation?: IsolationLevel;
  /** Accept a plain process when no sandboxing mechanism works. */
  allowUnisolated?: boolean;
}

const SANDBOX_CONTROLLERS = ['memory', 'cpu', 'pids'] as const;
const PROBE_TIMEOUT_MS = 10_000;
/** The uid a root provider runs the bubblewrap probe as, like real sandboxes (see launch). */
export const PROBE_UID = 10000;

let cached: Promise<IsolationReport> | undefined;

/** Probes once per process; `refresh` re-probes (e.g. after installing bubblewrap). */
export function detectIsolation(options: { refresh?: boolean } = {}): Promise<IsolationReport> {
  if (!cached || options.refresh) cached = probeAll();
  return cached;
}

async function probeAll(): Promise<IsolationReport> {
  const uid = process.getuid?.() ?? -1;
  const root = uid === 0;
  const [bubblewrap, unshare, gvisor, cgroups] = await Promise.all([
    probeBubblewrap(root),
    probeUnshare(root),
    probeGvisor(root),
    detectCgroups(root),
  ]);
  return { root, uid, gvisor, bubblewrap, unshare, cgroups };
}

async function which(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(':')) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

interface RunResult {
  code: number | null;
  output: string;
}

function run(file: string, args: string[], uid?: number): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(file, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: '/usr/bin:/bin' },
      timeout: PROBE_TIMEOUT_MS,
      killSignal: 'SIGKILL',
      ...(uid === undefined ? {} : { uid, gid: uid }),
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (error) => resolve({ code: -1, output: error.message }));
    child.on('close', (code) => resolve({ code, output: output.trim().slice(0, 500) }));
  });
}

async function probeBubblewrap(root: boolean): Promise<MechanismProbe> {
  const path = await which('bwrap');
  if (!path) return { available: false, reason: 'bwrap is not installed' };
  const version = (await run(path, ['--version'])).output.replace(/^bubblewrap\s*/, '');
  const probe = await run(
    path,
    [
      ...[
        '--ro-bind',
        '/usr',
        '/usr',
        '--symlink',
        'usr/lib',
        '/lib',
        '--symlink',
        'usr/lib64',
        '/lib64',
      ],
      ...['--symlink', 'usr/bin', '/bin', '--proc', '/proc', '--dev', '/dev', '--unshare-all'],
      ...[
        '--unshare-user',
        '--disable-userns',
        '--die-with-parent',
        '--cap-drop',
        'ALL',
        '/usr/bin/true',
      ],
    ],
    root ? PROBE_UID : undefined,
  );
  if (probe.code === 0) return { available: true, path, version };
  return {
    available: false,
    path,
    version,
    reason: `bwrap probe failed: ${probe.output || `exit ${probe.code}`}`,
  };
}

async function probeUnshare(root: boolean): Promise<MechanismProbe> {
  const path = await which('unshare');
  if (!path) return { available: false, reason: 'unshare (util-linux) is not installed' };
  for (const tool of ['mount', 'setpriv']) {
    if (!(await which(tool)))
      return { available: false, path, reason: `${tool} (util-linux) is not installed` };
  }
  const probe = await run(
    path,
    [
      '--user',
      '--map-root-user',
      '--mount',
      '--pid',
      '--fork',
      '--net',
      '--ipc',
      '--uts',
      '/usr/bin/true',
    ],
    root ? PROBE_UID : undefined,
  );
  if (probe.code === 0) return { available: true, path };
  return {
    available: false,
    path,
    reason: `unshare probe failed: ${probe.output || `exit ${probe.code}`}`,
  };
}

async function probeGvisor(root: boolean): Promise<MechanismProbe> {
  const path = await which('runsc');
  if (!path) return { available: false, reason: 'runsc (gVisor) is not installed' };
  const version = (await run(path, ['--version'])).output
    .split('\n')[0]
    ?.replace(/^runsc version\s*/, '');
  const stateRoot = await mkdtemp(join(tmpdir(), 'corral-runsc-probe-'));
  try {
    // `--network=none` always: runsc's default network mode reconfigures the host (sysctl, netns).
    const args = ['--root', stateRoot, '--platform=ptrace', '--network=none', '--ignore-cgroups'];
    if (!root) args.push('--rootless');
    const probe = await run(path, [...args, 'do', '/usr/bin/true']);
    const base = version === undefined ? { path } : { path, version };
    if (probe.code === 0) return { available: true, ...base };
    return {
      available: false,
      ...base,
      reason: `runsc probe failed: ${probe.output || `exit ${probe.code}`}`,
    };
  } finally {
    await rm(stateRoot, { recursive: true, force: true });
  }
}

async function detectCgroups(root: boolean): Promise<CgroupLayout> {
  const base = '/sys/fs/cgroup';
  try {
    const controllers = (await readFile(join(base, 'cgroup.controllers'), 'utf8'))
      .trim()
      .split(/\s+/);
    // cgroup v2 only (unified at the top): sandboxes go under a `corral` child of our own cgroup's parent.
    if (!root) {
      const own = await ownCgroupV2();
      const parent = join(base, own);
      const writable = await isWritable(parent);
      const parents = Object.fromEntries(SANDBOX_CONTROLLERS.map((c) => [c, parent]));
      return writable
        ? { version: 'v2', writable: true, delegated: true, parents }
        : {
            version: 'v2',
            writable: false,
            delegated: false,
            parents: {},
            reason: `${parent} is not delegated to uid ${process.getuid?.()}`,
          };
    }
    const missing = SANDBOX_CONTROLLERS.filter((c) => !controllers.includes(c));
    const parent = join(base, 'corral');
    return {
      version: 'v2',
      writable: true,
      delegated: false,
      parents: Object.fromEntries(
        SANDBOX_CONTROLLERS.filter((c) => !missing.includes(c)).map((c) => [c, parent]),
      ),
      ...(missing.length ? { reason: `cgroup v2 lacks controllers: ${missing.join(', ')}` } : {}),
    };
  } catch {
    // not v2 at the top: v1 or hybrid
  }
  const parents: Record<string, string> = {};
  let delegated = false;
  for (const controller of SANDBOX_CONTROLLERS) {
    const dir = join(base, controller);
    try {
      await access(join(dir, 'cgroup.procs'));
    } catch {
      continue;
    }
    const corral = join(dir, 'corral');
    if (root) parents[controller] = corral;
    else if (await isWritable(corral)) {
      // a root-prepared, chowned `corral` cgroup (notes §4: v1 delegation)
      parents[controller] = corral;
      delegated = true;
    }
  }
  if (Object.keys(parents).length === 0) {
    return {
      version: (await exists(join(base, 'memory'))) ? 'v1' : 'none',
      writable: false,
      delegated: false,
      parents,
      reason: root
        ? 'no cgroup v1 controllers mounted'
        : 'not root and no delegated /sys/fs/cgroup/<controller>/corral',
    };
  }
  return { version: 'v1', writable: true, delegated, parents };
}

async function ownCgroupV2(): Promise<string> {
  const text = await readFile('/proc/self/cgroup', 'utf8');
  const line = text.split('\n').find((l) => l.startsWith('0::'));
  return line?.slice(3) ?? '/';
}

async function isWritable(path: string): Promise<boolean> {
  try {
    await access(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * The level a sandbox gets: the requested one if it works here; otherwise the strongest of
 * bubblewrap → unshare. `gvisor` only when asked; `none` only with an explicit opt-in.
 */
export function chooseIsolation(
  report: IsolationReport,
  options: ChooseIsolationOptions = {},
): IsolationLevel {
  const requested = options.isolation;
  if (requested === 'pod') {
    throw new IsolationUnavailableError(
      "isolation 'pod' is a Kubernetes level; the local provider offers 'bubblewrap', 'unshare', 'gvisor' or 'none'.",
    );
  }
  if (requested === 'none') return 'none';
  if (requested === 'gvisor') {
    if (report.gvisor.available) return 'gvisor';
    throw new IsolationUnavailableError(
      `isolation 'gvisor' was requested but runsc does not work here: ${report.gvisor.reason ?? 'unknown'}. ` +
        "Install it (`apt-get install runsc`) or request 'bubblewrap'.",
    );
  }
  if (requested === 'bubblewrap' || requested === 'unshare') {
    if (report[requested].available) return requested;
    throw new IsolationUnavailableError(
      `isolation '${requested}' was requested but does not work here: ${report[requested].reason ?? 'unknown'}. ` +
        howToFix(report),
    );
  }
  if (report.bubblewrap.available) return 'bubblewrap';
  if (report.unshare.available) return 'unshare';
  if (options.allowUnisolated) return 'none';
  throw new IsolationUnavailableError(
    'No local sandboxing mechanism works on this host. Tried: ' +
      `bubblewrap (${report.bubblewrap.reason ?? 'unknown'}); unshare (${report.unshare.reason ?? 'unknown'}). ` +
      howToFix(report),
  );
}

function howToFix(report: IsolationReport): string {
  const hints = [];
  if (!report.bubblewrap.path) hints.push('install bubblewrap (`apt-get install bubblewrap`)');
  hints.push(
    'enable unprivileged user namespaces (`sysctl -w kernel.unprivileged_userns_clone=1` or ' +
      '`user.max_user_namespaces`, or the AppArmor `kernel.apparmor_restrict_unprivileged_userns=0`)',
  );
  hints.push(
    "or opt in to running without isolation with `isolation: 'none'` / `allowUnisolated: true`",
  );
  return `To fix: ${hints.join('; ')}.`;
}
