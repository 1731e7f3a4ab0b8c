/**
 * What isolation this host can actually provide. Every mechanism is probed by running `true`
 * inside it: a binary on PATH says nothing about whether user namespaces, cgroups or ptrace work
 * here. Probing spawns sandboxes, so it happens only when a sandbox is about to be made, at most
 * once per process, and its answer is cached on disk (see detect-cache.ts) until something it
 * depends on changes. gVisor, whose probe boots a whole sandbox, is probed only when asked for.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compact } from '../compact.js';
import { AbortedError, IsolationUnavailableError } from '../errors.js';
import type { IsolationLevel } from '../provider.js';
import {
  hostFingerprint,
  readProbeCache,
  writeProbeCache,
  type CachedProbes,
  type ProbeTools,
} from './detect-cache.js';
import { detectCgroups } from './detect-cgroups.js';
import type { CgroupLayout, MechanismProbe } from './detect-types.js';
import { runProbe, which, type ProbeResult } from './probe-process.js';

export type { CgroupLayout, MechanismProbe } from './detect-types.js';

export interface IsolationReport {
  root: boolean;
  uid: number;
  gvisor: MechanismProbe;
  bubblewrap: MechanismProbe;
  unshare: MechanismProbe;
  cgroups: CgroupLayout;
  /** When the mechanisms were probed (ISO 8601); older than this process when from the cache. */
  probedAt?: string;
}

export interface DetectIsolationOptions {
  /** Probe afresh, ignoring the process's and the on-disk cache (what `corral doctor` does). */
  refresh?: boolean;
  /** Also probe gVisor (it boots a sandbox). Default false: `gvisor` is then `skipped`. */
  gvisor?: boolean;
  /** Directory of the on-disk cache (a provider's state dir). Without it: this process only. */
  cacheDir?: string;
  /** Stops waiting; a probe already running finishes on its own (bounded by its timeout). */
  signal?: AbortSignal;
}

export interface ChooseIsolationOptions {
  isolation?: IsolationLevel;
  /** Accept a plain process when no sandboxing mechanism works. */
  allowUnisolated?: boolean;
}

const PROBE_TIMEOUT_MS = 10_000;
/** The uid a root provider runs the bubblewrap probe as, like real sandboxes (see launch). */
export const PROBE_UID = 10000;
const GVISOR_SKIPPED: MechanismProbe = {
  available: false,
  skipped: true,
  reason:
    "not probed: gVisor is checked only when isolation 'gvisor' is requested, or by `corral doctor`",
};

/** This process's answer; a report with gVisor probed also answers requests without it. */
let memo: { report: Promise<IsolationReport>; gvisor: boolean } | undefined;

/**
 * What works here. Resolved from this process's memo, else the on-disk cache when `cacheDir` is
 * given and the host's fingerprint is unchanged, else by probing (and then cached).
 */
export function detectIsolation(options: DetectIsolationOptions = {}): Promise<IsolationReport> {
  const gvisor = options.gvisor ?? false;
  if (!memo || options.refresh || (gvisor && !memo.gvisor)) {
    const report = detect(options.cacheDir, gvisor, options.refresh ?? false);
    const entry = { report, gvisor };
    memo = entry;
    // a failed detection is not remembered: the next caller tries again
    report.catch(() => {
      if (memo === entry) memo = undefined;
    });
  }
  return abortable(memo.report, options.signal);
}

async function detect(
  cacheDir: string | undefined,
  gvisor: boolean,
  refresh: boolean,
): Promise<IsolationReport> {
  const uid = process.getuid?.() ?? -1;
  const root = uid === 0;
  const [cgroups, tools] = await Promise.all([detectCgroups(root), findTools()]);
  const key = cacheDir === undefined ? '' : await hostFingerprint(tools, cgroups, uid);
  const cached =
    cacheDir === undefined || refresh ? undefined : await readProbeCache(cacheDir, uid, key);
  let probes: CachedProbes;
  if (cached && (!gvisor || !cached.gvisor.skipped)) {
    probes = cached;
  } else if (cached) {
    // bubblewrap and unshare are known; only gVisor is new
    probes = { ...cached, gvisor: await probeGvisor(tools.runsc, root) };
  } else {
    const [bubblewrap, unshare, gvisorProbe] = await Promise.all([
      probeBubblewrap(tools.bwrap, root),
      probeUnshare(tools, root),
      gvisor ? probeGvisor(tools.runsc, root) : GVISOR_SKIPPED,
    ]);
    probes = { probedAt: new Date().toISOString(), bubblewrap, unshare, gvisor: gvisorProbe };
  }
  if (cacheDir !== undefined && probes !== cached)
    await writeProbeCache(cacheDir, uid, key, probes);
  return { root, uid, cgroups, ...probes };
}

async function findTools(): Promise<ProbeTools> {
  const names = ['bwrap', 'unshare', 'mount', 'setpriv', 'runsc'] as const;
  const paths = await Promise.all(names.map((name) => which(name)));
  return Object.fromEntries(names.map((name, i) => [name, paths[i]]));
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(new AbortedError(undefined, { cause: signal.reason }));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new AbortedError(undefined, { cause: signal.reason }));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        // eslint-disable-next-line no-restricted-syntax -- wraps a non-Error rejection value as is
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

const run = (file: string, args: string[], uid?: number) =>
  runProbe(file, args, compact({ timeoutMs: PROBE_TIMEOUT_MS, uid }));

/**
 * Probes that were killed (timed out on a loaded machine) rather than answered: their "no" is
 * reported to this caller but never cached, so one slow moment does not stick.
 */
const interrupted = new WeakSet<MechanismProbe>();

function failed(probe: MechanismProbe, result: ProbeResult): MechanismProbe {
  if (result.code === null) interrupted.add(probe);
  return probe;
}

async function probeBubblewrap(path: string | undefined, root: boolean): Promise<MechanismProbe> {
  if (!path) return { available: false, reason: 'bwrap is not installed' };
  const [versionRun, probe] = await Promise.all([
    run(path, ['--version']),
    run(
      path,
      [
        ...['--ro-bind', '/usr', '/usr', '--symlink', 'usr/lib', '/lib'],
        ...['--symlink', 'usr/lib64', '/lib64', '--symlink', 'usr/bin', '/bin'],
        ...['--proc', '/proc', '--dev', '/dev', '--unshare-all', '--unshare-user'],
        ...['--disable-userns', '--die-with-parent', '--cap-drop', 'ALL', '/usr/bin/true'],
      ],
      root ? PROBE_UID : undefined,
    ),
  ]);
  const version = versionRun.output.replace(/^bubblewrap\s*/, '');
  if (probe.code === 0) return { available: true, path, version };
  return failed(
    {
      available: false,
      path,
      version,
      reason: `bwrap probe failed: ${probe.output || describeEnd(probe)}`,
    },
    probe,
  );
}

async function probeUnshare(tools: ProbeTools, root: boolean): Promise<MechanismProbe> {
  const path = tools.unshare;
  if (!path) return { available: false, reason: 'unshare (util-linux) is not installed' };
  for (const tool of ['mount', 'setpriv']) {
    if (!tools[tool])
      return { available: false, path, reason: `${tool} (util-linux) is not installed` };
  }
  const probe = await run(
    path,
    [
      ...['--user', '--map-root-user', '--mount', '--pid', '--fork'],
      ...['--net', '--ipc', '--uts', '/usr/bin/true'],
    ],
    root ? PROBE_UID : undefined,
  );
  if (probe.code === 0) return { available: true, path };
  return failed(
    {
      available: false,
      path,
      reason: `unshare probe failed: ${probe.output || describeEnd(probe)}`,
    },
    probe,
  );
}

/**
 * What a gVisor sandbox must manage besides starting: `stat /`, `ls /` and writing a file (an
 * old runsc passes `true` yet fails `ls /` with EINVAL). Prints `corral-probe:` and the failures.
 * `runsc do` overlays the host root in memory, so the write does not reach the host.
 */
const GVISOR_TOOLS_PROBE = [
  'f=""',
  'out=$(stat / 2>&1 >/dev/null) || f="$f; stat /: ${out:-failed}"',
  'out=$(ls / 2>&1 >/dev/null) || f="$f; ls /: ${out:-failed}"',
  'p=/tmp/.corral-gvisor-probe-$$',
  '{ echo ok >"$p" && [ "$(cat "$p")" = ok ]; } 2>/dev/null || f="$f; writing $p failed"',
  'rm -f "$p"',
  'echo "corral-probe:${f#; }"',
].join('\n');

async function probeGvisor(path: string | undefined, root: boolean): Promise<MechanismProbe> {
  if (!path) return { available: false, reason: 'runsc (gVisor) is not installed' };
  const stateRoot = await mkdtemp(join(tmpdir(), 'corral-runsc-probe-'));
  try {
    // `--network=none` always: runsc's default network mode reconfigures the host (sysctl, netns).
    const args = ['--root', stateRoot, '--platform=ptrace', '--network=none', '--ignore-cgroups'];
    if (!root) args.push('--rootless');
    const [versionRun, probe] = await Promise.all([
      run(path, ['--version']),
      run(path, [...args, 'do', '/bin/sh', '-c', GVISOR_TOOLS_PROBE]),
    ]);
    const version = versionRun.output.split('\n')[0]?.replace(/^runsc version\s*/, '');
    const base = version === undefined ? { path } : { path, version };
    const verdict = /^corral-probe:(.*)$/m.exec(probe.output)?.[1]?.trim();
    if (probe.code === 0 && verdict === '') return { available: true, ...base };
    if (probe.code === 0 && verdict !== undefined) {
      // runsc boots and runs programs, but ordinary tools fail inside it: usable, not fine
      return {
        available: true,
        ...base,
        warnings: [
          `under runsc ${version ?? '(unknown version)'} ordinary tools fail: ${verdict}. ` +
            'Old runsc releases (such as the 2022 Debian package) reject AT_NO_AUTOMOUNT, which ' +
            "coreutils' ls and stat pass; install a current gVisor release (https://gvisor.dev/docs/user_guide/install/).",
        ],
      };
    }
    return failed(
      {
        available: false,
        ...base,
        reason: `runsc probe failed: ${probe.output || describeEnd(probe)}`,
      },
      probe,
    );
  } finally {
    await rm(stateRoot, { recursive: true, force: true });
  }
}

function describeEnd(result: ProbeResult): string {
  return result.code === null ? `killed after ${PROBE_TIMEOUT_MS} ms` : `exit ${result.code}`;
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
    if (report.gvisor.skipped) {
      throw new IsolationUnavailableError(
        "isolation 'gvisor' was requested but this report did not probe it; detect with `detectIsolation({ gvisor: true })`.",
      );
    }
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
  const fix = `To fix: ${hints.join('; ')}.`;
  // a cached answer can predate a change the fingerprint does not see
  return report.probedAt
    ? `${fix} (Probed at ${report.probedAt}; \`corral doctor\` probes again.)`
    : fix;
}
