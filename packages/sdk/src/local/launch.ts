/**
 * Starts one process inside an OS sandbox and knows how to end it completely. Used by the
 * provider to start the runner; usable directly to run any command in a sandbox.
 *
 * Process chain (root): /bin/sh (joins the sandbox's cgroups, closes inherited fds)
 *   → exec setpriv (drops to the sandbox's own uid, empties the capability bounding set)
 *   → exec bwrap/unshare → the command. Each exec keeps the pid, so `child.pid` is the sandbox's
 * outermost process and every descendant is born inside the cgroups.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { chmod, chown, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError } from '../errors.js';
import type { LimitsNotApplied, NetworkMode, ResourceLimits } from '../provider.js';
import { proxyEnv } from './bwrap-args.js';
import {
  createSandboxCgroup,
  killCgroup,
  limitsWithoutCgroups,
  removeSandboxCgroup,
  cgroupPids,
} from './cgroups.js';
import type { CgroupLayout } from './detect.js';
import { startEgressProxy, type EgressProxy } from './egress-proxy.js';
import {
  childExit,
  inheritableFds,
  pidsOfUid,
  signal,
  within,
  type ExitStatus,
} from './host-process.js';
import { BRIDGE_FILE, BRIDGE_SOURCE, PROXY_SOCKET_FILE } from './net-bridge.js';
import {
  NODE_PROXY_PRELOAD_FILE,
  NODE_PROXY_PRELOAD_SOURCE,
  nodeProxyOptions,
} from './node-proxy-preload.js';
import { INSIDE, SYSTEM_PREFIXES } from './sandbox-fs.js';
import { unshareEnv } from './unshare-script.js';
import { gvisorDeleteArgs } from './gvisor-bundle.js';
import { launcherArgv, type LaunchLevel } from './launcher-argv.js';
import { mountWorkDisk, releaseWorkDisk } from './work-disk.js';

export type { LaunchLevel };

/** Where things are, as seen by the sandboxed process. */
export interface SandboxPaths {
  work: string;
  run: string;
  /** Each `files` entry's path inside. */
  files: Record<string, string>;
  /** The node binary to use inside. */
  node: string;
  /** Where the process reads `LaunchOptions.token` from (a pipe: readable once). */
  tokenFile?: string;
  /** True when `tokenFile` is a file the process must remove after reading (gVisor). */
  tokenFileOnce?: boolean;
}

export interface LaunchOptions {
  /** Names the cgroups; `[a-z0-9-]`. */
  name: string;
  level: LaunchLevel;
  /** Host directory holding `work/`, `run/` (and `net/`, `rootfs/` when needed). */
  baseDir: string;
  /** Run as this host uid (root providers); the directories are chowned to it. */
  uid?: number;
  network: NetworkMode;
  limits: ResourceLimits;
  cgroups: CgroupLayout;
  /** Read-only files to bind in at `/opt/corral/<name>` (bundle, ...). */
  files?: Record<string, string>;
  /** Resolves `allow`-mode names to fixed addresses (tests, local mirrors). */
  proxyHosts?: Record<string, string>;
  seccomp?: boolean;
  command(paths: SandboxPaths): string[];
  env?: Record<string, string>;
  /**
   * A secret for the sandboxed process, delivered on a pipe (`paths.tokenFile`), never in argv
   * or the environment (gVisor, which passes no fds: the 0600 bundle's environment).
   */
  token?: string;
  /**
   * Host path of an execute-only (0111) copy of node to run the command with. The kernel makes
   * a process that execs an unreadable binary non-dumpable: code of the same uid can then not
   * read its environ, copy its fds (`pidfd_getfd`) or write its memory. Ignored under gVisor.
   */
  protectedNode?: string;
  /** `--size` of the sandbox's `/tmp` (bubblewrap, unshare). */
  tmpBytes?: number;
}

export interface LaunchedSandbox {
  child: ChildProcess;
  pid: number;
  paths: SandboxPaths;
  cgroupDirs: string[];
  limitsApplied: ResourceLimits;
  /** Requested limits that are not enforced, and why (see `IsolationInfo.limitsNotApplied`). */
  limitsNotApplied: LimitsNotApplied;
  warnings: string[];
  detail: string;
  exited: Promise<ExitStatus>;
  /** SIGTERM, then SIGKILL for everything after `graceMs`; removes cgroups; closes the proxy. */
  stop(graceMs?: number): Promise<void>;
}

const NAME_RE = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** pids.max for gVisor sandboxes: the Sentry and Gofer are many-threaded Go programs. */
const GVISOR_PIDS_BACKSTOP = 1024;
/** The fd the token pipe gets in the sandboxed process: above every data fd bwrap reads. */
const TOKEN_FD = 9;
/** The token file's name in the run dir (gVisor). */
const TOKEN_FILE = '.runner-token';

function runQuietly(file: string, args: string[]): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { stdio: 'ignore', env: { PATH: '/usr/bin:/bin' } });
    child.on('error', () => resolve());
    child.on('exit', () => resolve());
  });
}

export function sandboxDirs(baseDir: string) {
  return {
    work: join(baseDir, 'work'),
    run: join(baseDir, 'run'),
    net: join(baseDir, 'net'),
    rootfs: join(baseDir, 'rootfs'),
    oci: join(baseDir, 'oci'),
    runscRoot: join(baseDir, 'runsc'),
  };
}

export async function launchSandbox(options: LaunchOptions): Promise<LaunchedSandbox> {
  if (!NAME_RE.test(options.name))
    throw new InvalidArgumentError(
      `Sandbox name ${JSON.stringify(options.name)} is invalid; use a-z, 0-9 and '-'.`,
    );
  const dirs = sandboxDirs(options.baseDir);
  const isolated = options.level !== 'none';
  const warnings: string[] = [];
  const uid = options.uid;
  // 0711: the sandbox uid must traverse the base dir to reach its binds, but not list it
  await mkdir(options.baseDir, { recursive: true, mode: 0o711 });
  await chmod(options.baseDir, 0o711);
  await mkdir(dirs.work, { recursive: true, mode: 0o700 });
  await mkdir(dirs.run, { recursive: true, mode: 0o700 });
  if (uid !== undefined) {
    await chown(dirs.work, uid, uid);
    await chown(dirs.run, uid, uid);
  }

  const inPaths: SandboxPaths = isolated
    ? { work: INSIDE.work, run: INSIDE.run, files: {}, node: process.execPath }
    : { work: dirs.work, run: dirs.run, files: {}, node: process.execPath };
  const roBinds: { source: string; dest: string }[] = [];
  for (const [key, source] of Object.entries(options.files ?? {})) {
    const dest = isolated ? `${INSIDE.opt}/${key}` : source;
    inPaths.files[key] = dest;
    if (isolated) roBinds.push({ source, dest });
  }
  if (options.protectedNode && options.level !== 'gvisor') {
    inPaths.node = isolated ? `${INSIDE.opt}/node` : options.protectedNode;
    if (isolated) roBinds.push({ source: options.protectedNode, dest: inPaths.node });
  } else if (isolated && !SYSTEM_PREFIXES.some((p) => process.execPath.startsWith(p))) {
    // node outside /usr (nvm, volta, a tarball): bind just the binary
    inPaths.node = `${INSIDE.opt}/node`;
    roBinds.push({ source: process.execPath, dest: inPaths.node });
  }

  const network = options.network.mode;
  let proxy: EgressProxy | undefined;
  let cgroupDirs: string[] = [];
  let child: ChildProcess | undefined;
  const cleanupPartial = async () => {
    if (child) {
      signal(child.pid ?? -1, 'SIGKILL');
      await childExit(child);
    }
    await killCgroup(cgroupDirs);
    await removeSandboxCgroup(cgroupDirs);
    await proxy?.close();
    await releaseWorkDisk(options.baseDir);
  };

  try {
    // the work dir's own size-limited file system (root only; otherwise a warning)
    let diskBytes: number | undefined;
    let diskWarning: string | undefined;
    if (options.limits.diskBytes !== undefined) {
      const disk = await mountWorkDisk({
        baseDir: options.baseDir,
        workDir: dirs.work,
        bytes: options.limits.diskBytes,
        uid,
      });
      diskBytes = disk.appliedBytes;
      if (disk.warning) {
        warnings.push(disk.warning);
        diskWarning = disk.warning;
      }
    }
    if (network === 'allow') {
      if (options.level !== 'bubblewrap') {
        throw new InvalidArgumentError(
          `Network mode 'allow' needs bubblewrap isolation (got '${options.level}'); use isolation 'bubblewrap'.`,
        );
      }
      await mkdir(dirs.net, { recursive: true, mode: 0o755 });
      await writeFile(join(dirs.net, BRIDGE_FILE), BRIDGE_SOURCE, { mode: 0o644 });
      await writeFile(join(dirs.net, NODE_PROXY_PRELOAD_FILE), NODE_PROXY_PRELOAD_SOURCE, {
        mode: 0o644,
      });
      proxy = await startEgressProxy({
        socketPath: join(dirs.net, PROXY_SOCKET_FILE),
        domains: options.network.mode === 'allow' ? options.network.domains : [],
        ...(options.proxyHosts ? { hosts: options.proxyHosts } : {}),
      });
    }
    if (network !== 'full' && !isolated) {
      throw new InvalidArgumentError(
        `isolation 'none' cannot keep network mode '${network}' (the host network is shared); ask for network 'full'`,
      );
    }

    if (options.level === 'gvisor' && network !== 'none') {
      throw new InvalidArgumentError(
        `network mode '${network}' is not offered with gVisor (runsc always runs with --network=none here)`,
      );
    }
    let limitsApplied: ResourceLimits = {};
    let limitsNotApplied: LimitsNotApplied = {};
    if (options.cgroups.writable) {
      const gvisorPids = options.level === 'gvisor' && options.limits.maxProcesses !== undefined;
      const cgroupLimits = gvisorPids
        ? { ...options.limits, maxProcesses: GVISOR_PIDS_BACKSTOP }
        : options.limits;
      const cgroup = await createSandboxCgroup(options.cgroups, options.name, cgroupLimits);
      cgroupDirs = cgroup.dirs;
      limitsApplied = cgroup.applied;
      limitsNotApplied = cgroup.notApplied;
      warnings.push(...cgroup.warnings);
      if (gvisorPids) {
        delete limitsApplied.maxProcesses;
        const reason = `not enforced exactly under gVisor: host pids.max counts the Sentry's threads; a backstop of ${GVISOR_PIDS_BACKSTOP} host tasks applies`;
        limitsNotApplied.maxProcesses = reason;
        warnings.push(`maxProcesses ${reason}`);
      }
    } else if (Object.keys(options.limits).some((k) => k !== 'diskBytes')) {
      limitsNotApplied = limitsWithoutCgroups(options.cgroups, options.limits);
      warnings.push(
        `resource limits not applied (${Object.keys(limitsNotApplied).join(', ')}): cgroups unavailable (${options.cgroups.reason ?? 'not writable'}); \`corral doctor\` says how to delegate a cgroup`,
      );
    }

    if (diskBytes !== undefined) limitsApplied.diskBytes = diskBytes;
    else if (diskWarning !== undefined) limitsNotApplied.diskBytes = diskWarning;

    const env: Record<string, string> = {
      PATH: '/usr/local/bin:/usr/bin:/bin',
      HOME: inPaths.work,
      TMPDIR: '/tmp',
      LANG: 'C.UTF-8',
      USER: 'sandbox',
      ...(network === 'allow' ? proxyEnv() : {}),
      ...options.env,
      // node programs that ignore HTTP_PROXY (fetch, http.get) still find the proxy
      ...(network === 'allow' ? { NODE_OPTIONS: nodeProxyOptions(options.env?.NODE_OPTIONS) } : {}),
    };
    // runsc passes no extra fds into the sandbox: there the token is a file in the run dir the
    // runner removes before it listens (never in the environment: /proc/1/environ is readable)
    const tokenOnPipe = options.token !== undefined && options.level !== 'gvisor';
    if (options.token !== undefined && !tokenOnPipe)
      await writeTokenFile(dirs.run, inPaths, options.token, uid);
    if (tokenOnPipe) inPaths.tokenFile = `/dev/fd/${TOKEN_FD}`;
    let command = options.command(inPaths);
    if (network === 'allow') {
      const bridge = `${INSIDE.net}/${BRIDGE_FILE}`;
      command =
        command[0] === inPaths.node || command[0] === 'node'
          ? [command[0], '--import', bridge, ...command.slice(1)]
          : [inPaths.node, bridge, '--exec', ...command];
    }

    const { argv, data, detail } = await launcherArgv({
      level: options.level,
      name: options.name,
      dirs,
      network,
      roBinds,
      env,
      uid,
      command,
      warnings,
      ...(options.seccomp === undefined ? {} : { seccomp: options.seccomp }),
      ...(options.tmpBytes === undefined ? {} : { tmpBytes: options.tmpBytes }),
    });

    // the wrapper: join cgroups, close fds we did not mean to pass, drop uid, exec
    // our fds: stdio, the data fds bwrap reads, the token pipe; everything else inherited from
    // the caller is closed (the token slot makes `data` sparse, so its length is not a count)
    const ours = new Set([
      ...[0, 1, 2],
      ...data.flatMap((_, i) => [3 + i]),
      ...(tokenOnPipe ? [TOKEN_FD] : []),
    ]);
    const stray = inheritableFds().filter((fd) => !ours.has(fd));
    const steps: string[] = [];
    if (cgroupDirs.length) {
      steps.push(
        `for f in ${cgroupDirs.map((d) => `'${d}/cgroup.procs'`).join(' ')}; do echo $$ > "$f" || exit 111; done`,
      );
    }
    const closeRedirs = stray.map((fd) => `${fd}>&-`).join(' ');
    // runsc stays root (rootful runsc drops privileges itself); everything else drops to the uid
    const drop =
      uid === undefined || options.level === 'gvisor'
        ? ''
        : `setpriv --reuid=${uid} --regid=${uid} --clear-groups --inh-caps=-all --bounding-set=-all -- `;
    steps.push(`exec ${drop}"$@" ${closeRedirs}`.trimEnd());
    const shell = stray.some((fd) => fd > 9) ? '/bin/bash' : '/bin/sh';
    const stdio: StdioOptions = ['ignore', 'pipe', 'pipe', ...data.map(() => 'pipe' as const)];
    if (tokenOnPipe) {
      while (stdio.length < TOKEN_FD) stdio.push('ignore');
      stdio[TOKEN_FD] = 'pipe';
      data[TOKEN_FD - 3] = Buffer.from(options.token ?? '');
    }
    const spawnEnv =
      options.level === 'none'
        ? env
        : options.level === 'unshare'
          ? { PATH: '/usr/bin:/bin', ...unshareEnv(env) }
          : { PATH: '/usr/bin:/bin' };
    child = spawn(shell, ['-c', steps.join('\n'), 'corral-launch', ...argv], {
      stdio,
      env: spawnEnv,
      detached: true,
      // not the caller's cwd: the sandbox's pid 1 would show it as PWD
      cwd: options.level === 'none' ? dirs.work : '/',
    });
    const started = child;
    // sparse: the slots between the data fds and the token pipe are unused
    data.forEach((buffer, i) => {
      const stream = started.stdio[3 + i] as NodeJS.WritableStream & {
        on(e: 'error', f: () => void): void;
      };
      stream.on('error', () => undefined);
      stream.end(buffer);
    });
    const spawned = await new Promise<number>((resolve, reject) => {
      started.once('spawn', () => resolve(started.pid ?? -1));
      started.once('error', reject);
    });
    const exited = childExit(started);
    const dirsForStop = cgroupDirs;
    const proxyForStop = proxy;
    let stopping: Promise<void> | undefined;
    const stop = (graceMs = 500): Promise<void> =>
      (stopping ??= (async () => {
        const done = exited.then(() => undefined);
        if (options.level === 'gvisor') {
          // runsc forwards signals to the sandboxed command; the Sentry and Gofer must not get them
          signal(spawned, 'SIGTERM');
        } else if (dirsForStop.length) {
          // SIGTERM the sandboxed processes so the command can exit cleanly; the outermost bwrap or
          // unshare is spared (it would SIGKILL everything at once), pid-namespace inits ignore it
          for (const pid of await cgroupPids(dirsForStop)) {
            if (pid !== spawned || options.level === 'none') signal(pid, 'SIGTERM');
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
        if (options.level === 'gvisor')
          await runQuietly('runsc', gvisorDeleteArgs(dirs.runscRoot, options.name));
        await removeSandboxCgroup(dirsForStop);
        await proxyForStop?.close();
        await releaseWorkDisk(options.baseDir);
      })());
    return {
      child: started,
      pid: spawned,
      paths: inPaths,
      cgroupDirs,
      limitsApplied,
      limitsNotApplied,
      warnings,
      detail,
      exited,
      stop,
    };
  } catch (error) {
    await cleanupPartial();
    throw error;
  }
}

/** The token as a 0400 file of the sandbox uid in its 0700 run dir, read once by the runner. */
async function writeTokenFile(
  runDir: string,
  inPaths: SandboxPaths,
  token: string,
  uid: number | undefined,
): Promise<void> {
  const file = join(runDir, TOKEN_FILE);
  await writeFile(file, token, { mode: 0o400, flag: 'wx' });
  if (uid !== undefined) await chown(file, uid, uid);
  inPaths.tokenFile = `${inPaths.run}/${TOKEN_FILE}`;
  inPaths.tokenFileOnce = true;
}
