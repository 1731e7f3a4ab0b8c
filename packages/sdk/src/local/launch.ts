/**
 * Starts one process inside an OS sandbox and knows how to end it completely. Used by the
 * provider to start the runner; usable directly to run any command in a sandbox.
 *
 * Process chain (root): /bin/sh (joins the sandbox's cgroups, closes inherited fds)
 *   → exec setpriv (drops to the sandbox's own uid, empties the capability bounding set)
 *   → exec bwrap/unshare → the command. Each exec keeps the pid, so `child.pid` is the sandbox's
 * outermost process and every descendant is born inside the cgroups.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, chown, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compact } from '../compact.js';
import { InvalidArgumentError } from '../errors.js';
import type { LimitsNotApplied, NetworkMode, ResourceLimits } from '../provider.js';
import { proxyEnv } from './bwrap-args.js';
import { killCgroup, removeSandboxCgroup } from './cgroups.js';
import type { CgroupLayout } from './detect.js';
import { startEgressProxy, type EgressProxy } from './egress-proxy.js';
import { childExit, signal, type ExitStatus } from './host-process.js';
import { addDiskLimit, cgroupLimits, workDiskLimit } from './launch-limits.js';
import { stopper } from './launch-stop.js';
import { TOKEN_FD, feedData, spawnedPid, wrapperSpawn } from './launch-wrapper.js';
import { BRIDGE_FILE, BRIDGE_SOURCE, PROXY_SOCKET_FILE } from './net-bridge.js';
import {
  NODE_PROXY_PRELOAD_FILE,
  NODE_PROXY_PRELOAD_SOURCE,
  nodeProxyOptions,
} from './node-proxy-preload.js';
import { INSIDE, SYSTEM_PREFIXES } from './sandbox-fs.js';
import { launcherArgv, type LaunchLevel } from './launcher-argv.js';
import { releaseWorkDisk } from './work-disk.js';

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
  /** `work/` is already the mount point of an empty work disk of this size (a spare). */
  workDiskMountedBytes?: number;
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
/** The token file's name in the run dir (gVisor). */
const TOKEN_FILE = '.runner-token';

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

type SandboxDirs = ReturnType<typeof sandboxDirs>;

/** What a launch has made so far: undone by `cleanupPartial` when a later step fails. */
interface Held {
  proxy?: EgressProxy | undefined;
  cgroupDirs: string[];
  child?: ChildProcess;
}

export async function launchSandbox(options: LaunchOptions): Promise<LaunchedSandbox> {
  if (!NAME_RE.test(options.name))
    throw new InvalidArgumentError(
      `Sandbox name ${JSON.stringify(options.name)} is invalid; use a-z, 0-9 and '-'.`,
    );
  const dirs = sandboxDirs(options.baseDir);
  await prepareDirs(options.baseDir, dirs, options.uid);
  const { inPaths, roBinds } = sandboxView(options, dirs);
  const held: Held = { cgroupDirs: [] };
  try {
    return await launchWith(options, dirs, inPaths, roBinds, held);
  } catch (error) {
    await cleanupPartial(held, options.baseDir);
    throw error;
  }
}

/** Every step after the directories; what each makes goes into `held` as soon as it exists. */
async function launchWith(
  options: LaunchOptions,
  dirs: SandboxDirs,
  inPaths: SandboxPaths,
  roBinds: { source: string; dest: string }[],
  held: Held,
): Promise<LaunchedSandbox> {
  const { level, uid } = options;
  const network = options.network.mode;
  checkNetworkForLevel(network, level);
  // independent steps, made at once; each lands in `held` as soon as it exists, so a failure of
  // one still undoes the others (the warnings keep a fixed order)
  const diskWarnings: string[] = [];
  const cgroupWarnings: string[] = [];
  const [disk, , limits] = await allHeld([
    workDiskLimit(
      options.limits,
      options.baseDir,
      dirs.work,
      uid,
      diskWarnings,
      options.workDiskMountedBytes,
    ),
    startNetwork(options, dirs).then((p) => (held.proxy = p)),
    cgroupLimits(options.cgroups, options.name, options.limits, level, cgroupWarnings).then(
      (l) => ((held.cgroupDirs = l.dirs), l),
    ),
  ]);
  const warnings = [...diskWarnings, ...cgroupWarnings];
  addDiskLimit(limits, disk);

  const env = sandboxEnv(options, inPaths);
  const tokenOnPipe = await placeToken(options, dirs.run, inPaths);
  const command = sandboxCommand(options, inPaths);
  const { argv, data, detail } = await launcherArgv({
    level,
    name: options.name,
    dirs,
    network,
    roBinds,
    env,
    uid,
    command,
    warnings,
    ...compact({ seccomp: options.seccomp, tmpBytes: options.tmpBytes }),
  });

  const wrapper = wrapperSpawn({
    level,
    uid,
    cgroupDirs: held.cgroupDirs,
    argv,
    data,
    env,
    workDir: dirs.work,
    pipeToken: tokenOnPipe ? options.token : undefined,
  });
  const child = spawn(wrapper.file, wrapper.args, wrapper.options);
  held.child = child;
  feedData(child, wrapper.data);
  const pid = await spawnedPid(child);
  const exited = childExit(child);
  const { cgroupDirs, proxy } = held;
  return {
    child,
    pid,
    paths: inPaths,
    cgroupDirs,
    limitsApplied: limits.applied,
    limitsNotApplied: limits.notApplied,
    warnings,
    detail,
    exited,
    stop: stopper({
      level,
      name: options.name,
      pid,
      exited,
      cgroupDirs,
      uid,
      runscRoot: dirs.runscRoot,
      proxy,
      baseDir: options.baseDir,
    }),
  };
}

/** `Promise.all` that lets every step finish (and record what it made) before rejecting. */
async function allHeld<T extends readonly unknown[]>(steps: {
  [K in keyof T]: Promise<T[K]>;
}): Promise<T> {
  const settled = await Promise.allSettled(steps);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** Undoes a launch that failed part-way, newest first. */
async function cleanupPartial(held: Held, baseDir: string): Promise<void> {
  const { child, cgroupDirs, proxy } = held;
  if (child) {
    signal(child.pid ?? -1, 'SIGKILL');
    await childExit(child);
  }
  await killCgroup(cgroupDirs);
  await removeSandboxCgroup(cgroupDirs);
  await proxy?.close();
  await releaseWorkDisk(baseDir);
}

async function prepareDirs(
  baseDir: string,
  dirs: SandboxDirs,
  uid: number | undefined,
): Promise<void> {
  // 0711: the sandbox uid must traverse the base dir to reach its binds, but not list it
  await mkdir(baseDir, { recursive: true, mode: 0o711 });
  await chmod(baseDir, 0o711);
  await mkdir(dirs.work, { recursive: true, mode: 0o700 });
  await mkdir(dirs.run, { recursive: true, mode: 0o700 });
  if (uid !== undefined) {
    await chown(dirs.work, uid, uid);
    await chown(dirs.run, uid, uid);
  }
}

/** The paths as the sandboxed process sees them, and the read-only binds that put them there. */
function sandboxView(
  options: LaunchOptions,
  dirs: SandboxDirs,
): { inPaths: SandboxPaths; roBinds: { source: string; dest: string }[] } {
  const isolated = options.level !== 'none';
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
  return { inPaths, roBinds };
}

/** Network 'allow': the bridge and preload the sandbox runs with, and the egress proxy. */
async function startNetwork(
  options: LaunchOptions,
  dirs: SandboxDirs,
): Promise<EgressProxy | undefined> {
  if (options.network.mode !== 'allow') return undefined;
  await mkdir(dirs.net, { recursive: true, mode: 0o755 });
  await writeFile(join(dirs.net, BRIDGE_FILE), BRIDGE_SOURCE, { mode: 0o644 });
  await writeFile(join(dirs.net, NODE_PROXY_PRELOAD_FILE), NODE_PROXY_PRELOAD_SOURCE, {
    mode: 0o644,
  });
  return startEgressProxy(
    compact({
      socketPath: join(dirs.net, PROXY_SOCKET_FILE),
      domains: options.network.domains,
      hosts: options.proxyHosts,
    }),
  );
}

/** The network modes an isolation level cannot keep. */
function checkNetworkForLevel(network: NetworkMode['mode'], level: LaunchLevel): void {
  if (network === 'allow' && level !== 'bubblewrap') {
    throw new InvalidArgumentError(
      `Network mode 'allow' needs bubblewrap isolation (got '${level}'); use isolation 'bubblewrap'.`,
    );
  }
  if (network !== 'full' && level === 'none') {
    throw new InvalidArgumentError(
      `isolation 'none' cannot keep network mode '${network}' (the host network is shared); ask for network 'full'`,
    );
  }
  if (level === 'gvisor' && network !== 'none') {
    throw new InvalidArgumentError(
      `network mode '${network}' is not offered with gVisor (runsc always runs with --network=none here)`,
    );
  }
}

function sandboxEnv(options: LaunchOptions, inPaths: SandboxPaths): Record<string, string> {
  const allow = options.network.mode === 'allow';
  return {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    HOME: inPaths.work,
    TMPDIR: '/tmp',
    LANG: 'C.UTF-8',
    USER: 'sandbox',
    ...(allow ? proxyEnv() : {}),
    ...options.env,
    // node programs that ignore HTTP_PROXY (fetch, http.get) still find the proxy
    ...(allow ? { NODE_OPTIONS: nodeProxyOptions(options.env?.NODE_OPTIONS) } : {}),
  };
}

/**
 * Says in `inPaths` where the process reads its token; true when it goes on a pipe. runsc passes
 * no extra fds into the sandbox: there the token is a file in the run dir the runner removes
 * before it listens (never in the environment: /proc/1/environ is readable).
 */
async function placeToken(
  options: LaunchOptions,
  runDir: string,
  inPaths: SandboxPaths,
): Promise<boolean> {
  const tokenOnPipe = options.token !== undefined && options.level !== 'gvisor';
  if (options.token !== undefined && !tokenOnPipe)
    await writeTokenFile(runDir, inPaths, options.token, options.uid);
  if (tokenOnPipe) inPaths.tokenFile = `/dev/fd/${TOKEN_FD}`;
  return tokenOnPipe;
}

/** The caller's command; under network 'allow', started through the bridge to the proxy. */
function sandboxCommand(options: LaunchOptions, inPaths: SandboxPaths): string[] {
  const command = options.command(inPaths);
  if (options.network.mode !== 'allow') return command;
  const bridge = `${INSIDE.net}/${BRIDGE_FILE}`;
  return command[0] === inPaths.node || command[0] === 'node'
    ? [command[0], '--import', bridge, ...command.slice(1)]
    : [inPaths.node, bridge, '--exec', ...command];
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
