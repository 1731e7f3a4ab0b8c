/**
 * PTY mode (docs/decisions/0029): Node cannot open a pseudo-terminal without a native module, so
 * a command that asked for one runs under util-linux `script` (Debian Essential, so in every
 * Debian-based image including node:22-slim), which opens the pty, copies our stdin pipe to its
 * master and the master to its stdout. The initial size is set by `stty` inside the pty before
 * the command is exec'd; a resize runs `stty -F /dev/pts/N` against the command's terminal, and
 * the kernel sends SIGWINCH to its foreground process group.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

export interface PtySize {
  cols: number;
  rows: number;
}

/** winsize fields are unsigned shorts; a real terminal is far smaller. */
export const MAX_PTY_DIMENSION = 10_000;

const SCRIPTS = ['/usr/bin/script', '/bin/script'];
const STTYS = ['/usr/bin/stty', '/bin/stty'];
/** Linux's Unix98 pty slaves: majors 136..143 (UNIX98_PTY_MAJOR_COUNT). */
const PTS_MAJOR_FIRST = 136;
const PTS_MAJOR_LAST = 143;

function firstExisting(paths: readonly string[]): string | undefined {
  return paths.find((p) => existsSync(p));
}

export function shQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

export class PtyUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PtyUnavailableError';
  }
}

/**
 * What to spawn for `cmd`/`shell` on a pty of `size`. `script` runs `$SHELL -c <string>`, so
 * SHELL is pinned to /bin/sh for it and the command's own SHELL is put back inside the string.
 */
export function ptyLaunch(
  command: { cmd?: string[]; shell?: string },
  env: NodeJS.ProcessEnv,
  size: PtySize,
): { file: string; args: string[]; env: NodeJS.ProcessEnv } {
  const script = firstExisting(SCRIPTS);
  if (script === undefined) {
    throw new PtyUnavailableError(
      `PTY mode needs util-linux "script" (looked for ${SCRIPTS.join(', ')}); install util-linux in the sandbox image`,
    );
  }
  const target = command.cmd
    ? command.cmd.map(shQuote).join(' ')
    : `/bin/sh -c ${shQuote(command.shell ?? '')}`;
  const shell = env.SHELL === undefined ? 'unset SHELL' : `export SHELL=${shQuote(env.SHELL)}`;
  const inner = `stty rows ${size.rows} cols ${size.cols} 2>/dev/null; ${shell}; exec ${target}`;
  return {
    file: script,
    // -q no banner, -f flush each write, -e exit with the command's status, /dev/null no typescript
    args: ['-qfec', inner, '/dev/null'],
    env: { TERM: 'xterm-256color', ...env, SHELL: '/bin/sh' },
  };
}

/** The process `script` forked onto the pty (the command, after its exec). */
export function ptyChildPid(scriptPid: number): number | undefined {
  try {
    const listed = readFileSync(`/proc/${scriptPid}/task/${scriptPid}/children`, 'utf8').trim();
    const first = Number(listed.split(' ')[0]);
    if (first > 0) return first;
  } catch {
    // no CONFIG_PROC_CHILDREN here: scan the (small, per-sandbox) process table below
  }
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const fields = statFields(Number(name));
    if (fields && Number(fields[1]) === scriptPid) return Number(name);
  }
  return undefined;
}

/** Fields after `comm` in /proc/<pid>/stat: [state, ppid, pgrp, session, tty_nr, tpgid, …]. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** The command's controlling terminal and its foreground process group. */
export function ptyOf(childPid: number): { path: string; foregroundPgid: number } | undefined {
  const fields = statFields(childPid);
  if (!fields) return undefined;
  const ttyNr = Number(fields[4]);
  const major = (ttyNr >> 8) & 0xfff;
  const minor = (ttyNr & 0xff) | ((ttyNr >> 12) & 0xfff00);
  if (major < PTS_MAJOR_FIRST || major > PTS_MAJOR_LAST) return undefined;
  return {
    path: `/dev/pts/${(major - PTS_MAJOR_FIRST) * 256 + minor}`,
    foregroundPgid: Number(fields[5]),
  };
}

/** Sets the window size of the terminal at `path`; the kernel signals SIGWINCH on a change. */
export function resizeTerminal(path: string, size: PtySize, signal?: AbortSignal): Promise<void> {
  const stty = firstExisting(STTYS);
  if (stty === undefined) {
    return Promise.reject(
      new PtyUnavailableError(`resizing a pty needs "stty" (looked for ${STTYS.join(', ')})`),
    );
  }
  return new Promise((resolve, reject) => {
    execFile(
      stty,
      ['-F', path, 'rows', String(size.rows), 'cols', String(size.cols)],
      { ...(signal ? { signal } : {}), env: {} },
      (error, _stdout, stderr) => {
        if (error)
          reject(new PtyUnavailableError(`stty -F ${path}: ${stderr.trim() || error.message}`));
        else resolve();
      },
    );
  });
}
