/**
 * Runs one isolation probe (`bwrap … true`, `unshare … true`, `runsc do true`) so that nothing it
 * starts outlives it: the probe gets its own process group, and the whole group is killed when
 * the probe ends or runs out of time. A probe that forks helpers (runsc's gofer, bwrap's
 * namespace init) therefore cannot leave them running behind the caller.
 */
import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { join } from 'node:path';

export interface ProbeResult {
  code: number | null;
  /** stdout and stderr interleaved, trimmed to 500 characters. */
  output: string;
}

export interface ProbeRunOptions {
  /** Run as this uid/gid (a root provider probes as the uid its sandboxes get). */
  uid?: number;
  timeoutMs: number;
}

/** The fixed PATH of every probe: what a probe finds must not depend on the caller's PATH. */
const PROBE_PATH = '/usr/bin:/bin';

export function runProbe(
  file: string,
  args: string[],
  options: ProbeRunOptions,
): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const child = spawn(file, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: PROBE_PATH },
      // its own process group: the group id is the child's pid, so one kill reaches every helper
      detached: true,
      ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.uid }),
    });
    const killGroup = (): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // ESRCH: the group is already empty
      }
    };
    const timer = setTimeout(killGroup, options.timeoutMs);
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: -1, output: error.message });
    });
    // 'exit' rather than 'close': a helper holding the pipes open would otherwise delay the
    // kill until the timeout. While any member lives, the group id cannot be reused.
    child.on('exit', () => {
      clearTimeout(timer);
      killGroup();
    });
    child.on('close', (code) => resolve({ code, output: output.trim().slice(0, 500) }));
  });
}

/** The first executable `name` on PATH (the caller's PATH: that is what a user expects). */
export async function which(
  name: string,
  path: string = process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
): Promise<string | undefined> {
  for (const dir of path.split(':')) {
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
