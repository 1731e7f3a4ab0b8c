/** The local provider's options and the bounds every sandbox gets by default. */
import type { IsolationLevel, NetworkMode, ResourceLimits } from '../provider.js';
import { DEFAULT_DISK_BYTES } from './work-disk.js';

export interface LocalProviderOptions {
  /** Where sandbox directories and records live. Default: `CORRAL_STATE_DIR`, else
   * `$XDG_STATE_HOME/corral`, else `/var/lib/corral` as root, else `~/.local/state/corral`. */
  stateDir?: string;
  /** Requested level; default: strongest available of bubblewrap → unshare. */
  isolation?: IsolationLevel;
  /** Fall back to a plain process when no sandboxing mechanism works. */
  allowUnisolated?: boolean;
  /** Defaults for every sandbox (and the settings of pooled ones). */
  network?: NetworkMode;
  limits?: ResourceLimits;
  /** Pre-started sandboxes to keep ready. Default 0. */
  minReady?: number;
  /** The runner bundle to start. Default: `runnerBundlePath()` from `@corral/runner`. */
  runnerBundle?: string;
  /** Fixed name → IP answers for the allow-list proxy (tests, local mirrors). */
  proxyHosts?: Record<string, string>;
  /** Seccomp deny-list under bubblewrap. Default true. */
  seccomp?: boolean;
  /** First host uid for sandboxes when running as root; each sandbox gets its own. Default 10001. */
  uidBase?: number;
  /** Startup budget per sandbox when `create` passes none. Default 15 000. */
  startTimeoutMs?: number;
  /** Time between SIGTERM and SIGKILL on delete. Default 500. */
  stopGraceMs?: number;
  /** Lifetime of a sandbox whose `create` passes no `maxLifetimeMs`. Default 3 600 000 (1 h). */
  maxLifetimeMs?: number;
  /**
   * As root, after its second create, keep one empty work disk formatted and mounted for the
   * next create (docs/decisions/0049). Default true; released by `close()` and at exit.
   */
  spareWorkDisk?: boolean;
}

const GiB = 1024 * 1024 * 1024;
/**
 * Bounds every sandbox gets unless the caller sets its own (docs/decisions/0013): enough for
 * builds and test suites, low enough that one sandbox cannot take the host's pids (pid_max is
 * often 32768) or all of its memory.
 */
export const DEFAULT_LIMITS: Readonly<
  Required<Pick<ResourceLimits, 'memoryBytes' | 'maxProcesses' | 'diskBytes'>>
> = {
  memoryBytes: 4 * GiB,
  maxProcesses: 1024,
  diskBytes: DEFAULT_DISK_BYTES,
};
/** `/tmp` is RAM: half of the memory limit, at most 1 GiB. */
export function tmpBytesFor(limits: ResourceLimits): number {
  return Math.min(GiB, Math.floor((limits.memoryBytes ?? DEFAULT_LIMITS.memoryBytes) / 2));
}
