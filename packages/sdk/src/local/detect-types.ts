/** The shapes of an isolation report's parts (their own file: the probe modules share them). */
export interface MechanismProbe {
  available: boolean;
  /** Absolute path of the binary, when found. */
  path?: string;
  version?: string;
  /** Why it is unavailable (the probe's error output, trimmed). */
  reason?: string;
  /** Available, but something ordinary fails under it (e.g. `ls /` under an old runsc). */
  warnings?: string[];
  /** Not probed this time (gVisor, unless asked for): `available` says nothing then. */
  skipped?: boolean;
}

export interface CgroupLayout {
  version: 'v1' | 'v2' | 'none';
  /** Whether this process may create per-sandbox cgroups (root, or a delegated subtree). */
  writable: boolean;
  delegated: boolean;
  /** Per controller (`memory`, `cpu`, `pids`): the directory under which sandbox cgroups go. */
  parents: Record<string, string>;
  reason?: string;
  /** The cgroup2 mount (default `/sys/fs/cgroup`; a fake tree in tests). */
  mount?: string;
  /**
   * Delegated cgroup v2 only: the leaf this process moves its delegated cgroup's processes into
   * before enabling controllers there (the kernel's "no internal processes" rule).
   */
  hostLeaf?: string;
  /** Controllers wanted but not delegated (cgroup v2: absent from `cgroup.controllers`). */
  missing?: string[];
}
