/**
 * Makes the commands, not the runner, the OOM killer's choice (red-team W14). Memory a command
 * puts in tmpfs is charged to the sandbox but to no process's RSS, so the biggest process left,
 * the runner, used to be killed: the host then lost the sandbox ("cannot reach the runner")
 * instead of hearing about an OOM. Each command gets `oom_score_adj` 1000, the highest.
 *
 * The runner is non-dumpable (docs/security.md, W8), so its own /proc files belong to root and
 * it cannot raise its score around the fork; it raises the child's right after `spawn` returns
 * (the child has exec'd, is dumpable again and has the runner's uid). A process the command forks
 * in those microseconds keeps the runner's score. Raising needs no privilege, so this works as
 * any uid. A command may lower its score back to the runner's; it can also kill the runner
 * outright (same uid), so that gains it nothing.
 */
import { writeFileSync } from 'node:fs';

export const COMMAND_OOM_SCORE_ADJ = 1000;

export function raiseOomScore(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    writeFileSync(`/proc/${pid}/oom_score_adj`, String(COMMAND_OOM_SCORE_ADJ));
  } catch {
    // not Linux, or the child already exited: nothing to protect against
  }
}
