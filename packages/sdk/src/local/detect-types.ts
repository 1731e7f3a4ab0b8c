/** The shapes of an isolation report's parts (their own file: the probe modules share them). */
export interface MechanismProbe {
  available: boolean;
  /** Absolute path of the binary, when found. */
  path?: string;
  version?: string;
  /** Why it is unavailable (the probe's error output, trimmed). */
  reason?: string;
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
}
