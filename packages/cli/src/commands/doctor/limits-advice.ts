/**
 * What `corral doctor` says about resource limits: which of memory, cpu and pids sandboxes get
 * here, and for each missing one how to get it on this host (docs/decisions/0030). As root they
 * come from cgroups directly; a normal user needs a cgroup delegated to it.
 */
import type { IsolationReport } from '@corral/sdk';

export interface LimitsAdvice {
  /** One line for the check's detail. */
  summary: string;
  /** Limits sandboxes cannot get here (`memory`, `cpu`, `pids`). */
  missing: string[];
  /** How to get them; absent when nothing is missing. */
  fix?: string;
}

const ALL = ['memory', 'cpu', 'pids'] as const;
/** The systemd way to delegate (cgroup v2): one run, or every session of the user. */
const V2_SCOPE = 'systemd-run --user --scope -p Delegate=yes corral …';
const V2_DROP_IN =
  '`/etc/systemd/system/user@.service.d/delegate.conf` with `[Service]` `Delegate=memory pids cpu`, then `systemctl daemon-reload` and log in again';

export function limitsAdvice(report: IsolationReport): LimitsAdvice {
  const { cgroups } = report;
  const present = ALL.filter((c) => cgroups.writable && cgroups.parents[c] !== undefined);
  const missing = ALL.filter((c) => !present.includes(c));
  const how = cgroups.delegated ? 'a delegated cgroup' : report.root ? 'root' : 'cgroups';
  const summary =
    missing.length === 0
      ? `memory, cpu and pids limits via cgroups ${cgroups.version} (${how})`
      : present.length === 0
        ? `no memory, cpu or pids limits: ${cgroups.reason ?? 'cgroups not writable'}`
        : `${present.join(', ')} limits via cgroups ${cgroups.version}; not ${missing.join(', ')}: ${cgroups.reason ?? 'controller not available'}`;
  if (missing.length === 0) return { summary, missing };
  return { summary, missing, fix: fixFor(report, missing) };
}

function fixFor(report: IsolationReport, missing: readonly string[]): string {
  const { cgroups } = report;
  const list = missing.join(', ');
  if (report.root) {
    return cgroups.version === 'v2'
      ? `Enable the ${list} controller(s) in /sys/fs/cgroup/cgroup.subtree_control (as root: \`echo "+${missing.join(' +')}" > /sys/fs/cgroup/cgroup.subtree_control\`).`
      : `Mount the cgroup v1 ${list} controller(s) under /sys/fs/cgroup/<controller>.`;
  }
  if (cgroups.version === 'v2') {
    if (cgroups.delegated) {
      return `Your cgroup is delegated without ${list}: delegate them too, for every session with ${V2_DROP_IN}.`;
    }
    return (
      `Sandbox limits (${list}) need a cgroup delegated to uid ${report.uid}. Run Corral in one: \`${V2_SCOPE}\`, ` +
      `or for every session add ${V2_DROP_IN} (then start Corral from \`systemd-run --user --scope -p Delegate=yes\`). ` +
      'Without it sandboxes still run, and `info().isolation.limitsNotApplied` lists each limit that is not enforced.'
    );
  }
  if (cgroups.version === 'v1') {
    return (
      `Sandbox limits (${list}) need cgroups: on this cgroup v1 host root can delegate one to uid ${report.uid}: ` +
      `\`for c in ${missing.join(' ')}; do mkdir -p /sys/fs/cgroup/$c/corral && chown ${report.uid} /sys/fs/cgroup/$c/corral /sys/fs/cgroup/$c/corral/cgroup.procs /sys/fs/cgroup/$c/corral/tasks; done\`, ` +
      'or run Corral as root. Without it `info().isolation.limitsNotApplied` lists each limit that is not enforced.'
    );
  }
  return `No cgroup hierarchy is mounted: mount cgroup2 at /sys/fs/cgroup (\`mount -t cgroup2 none /sys/fs/cgroup\`) to get ${list} limits.`;
}
