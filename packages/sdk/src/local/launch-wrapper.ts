/**
 * The wrapper every launch starts with: a shell that joins the sandbox's cgroups, closes the fds
 * we did not mean to pass, drops to the sandbox's uid and execs the launcher's argv. Planned
 * here without side effects; the caller spawns it, so it holds the child from the first moment
 * and can kill it on any later failure.
 */
import type { ChildProcess, SpawnOptions, StdioOptions } from 'node:child_process';
import { inheritableFds } from './host-process.js';
import type { LaunchLevel } from './launcher-argv.js';
import { unshareEnv } from './unshare-script.js';

/** The fd the token pipe gets in the sandboxed process: above every data fd bwrap reads. */
export const TOKEN_FD = 9;

export interface WrapperInput {
  level: LaunchLevel;
  uid: number | undefined;
  cgroupDirs: readonly string[];
  /** The launcher's argv and the contents of its data fds (3, 4, ...). */
  argv: string[];
  data: Buffer[];
  /** The sandboxed process's environment. */
  env: Record<string, string>;
  workDir: string;
  /** The token, when it goes in on the pipe at `TOKEN_FD`. */
  pipeToken: string | undefined;
}

export interface WrapperSpawn {
  file: string;
  args: string[];
  options: SpawnOptions & { stdio: StdioOptions };
  /** What to write to each data fd, by index from fd 3 (sparse: the token sits at `TOKEN_FD`). */
  data: Buffer[];
}

export function wrapperSpawn(input: WrapperInput): WrapperSpawn {
  const { level, uid, cgroupDirs, data } = input;
  const tokenOnPipe = input.pipeToken !== undefined;
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
    uid === undefined || level === 'gvisor'
      ? ''
      : `setpriv --reuid=${uid} --regid=${uid} --clear-groups --inh-caps=-all --bounding-set=-all -- `;
  steps.push(`exec ${drop}"$@" ${closeRedirs}`.trimEnd());
  const shell = stray.some((fd) => fd > 9) ? '/bin/bash' : '/bin/sh';
  const stdio: StdioOptions = ['ignore', 'pipe', 'pipe', ...data.map(() => 'pipe' as const)];
  if (tokenOnPipe) {
    while (stdio.length < TOKEN_FD) stdio.push('ignore');
    stdio[TOKEN_FD] = 'pipe';
    data[TOKEN_FD - 3] = Buffer.from(input.pipeToken ?? '');
  }
  const spawnEnv =
    level === 'none'
      ? input.env
      : level === 'unshare'
        ? { PATH: '/usr/bin:/bin', ...unshareEnv(input.env) }
        : { PATH: '/usr/bin:/bin' };
  return {
    file: shell,
    args: ['-c', steps.join('\n'), 'corral-launch', ...input.argv],
    options: {
      stdio,
      env: spawnEnv,
      detached: true,
      // not the caller's cwd: the sandbox's pid 1 would show it as PWD
      cwd: level === 'none' ? input.workDir : '/',
    },
    data,
  };
}

/** Writes each data fd's contents and closes it; a failed write shows as the launcher failing. */
export function feedData(child: ChildProcess, data: readonly Buffer[]): void {
  // sparse: the slots between the data fds and the token pipe are unused
  data.forEach((buffer, i) => {
    const stream = child.stdio[3 + i] as NodeJS.WritableStream & {
      on(e: 'error', f: () => void): void;
    };
    stream.on('error', () => undefined);
    stream.end(buffer);
  });
}

/** The pid once the wrapper is running; rejects when it could not be spawned. */
export function spawnedPid(child: ChildProcess): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    child.once('spawn', () => resolve(child.pid ?? -1));
    child.once('error', reject);
  });
}
