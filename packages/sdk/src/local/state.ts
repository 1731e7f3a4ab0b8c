/**
 * On-disk state of local sandboxes: `<stateDir>/<id>/sandbox.json` next to `work/` and `run/`, so
 * another process can find, inspect and delete a sandbox it did not create.
 */
import {
  copyFile,
  mkdir,
  readdir,
  readFile,
  rename,
  stat,
  writeFile,
  chmod,
} from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { InvalidArgumentError } from '../errors.js';
import type { IsolationLevel, LimitsNotApplied, NetworkMode, ResourceLimits } from '../provider.js';

export const RECORD_FILE = 'sandbox.json';
export const RUNNER_SOCKET = 'runner.sock';
/** Host-only directory (not bound into the sandbox) holding the host's link to the socket. */
export const HOST_DIR = 'host';

/** The path the host connects through: `<dir>/host/runner.sock`, out of the sandbox's reach. */
export function hostSocketPath(dir: string): string {
  return join(dir, HOST_DIR, RUNNER_SOCKET);
}

export interface SandboxRecord {
  version: 1;
  id: string;
  /** Outermost sandbox process (the launcher chain's pid). */
  pid: number;
  /** `/proc/<pid>/stat` start time, to detect pid reuse. */
  pidStartTime?: string;
  /** The process that created (and owns) the sandbox; it dies with it. */
  ownerPid: number;
  ownerStartTime?: string;
  level: IsolationLevel;
  detail: string;
  network: NetworkMode;
  limitsApplied: ResourceLimits;
  /** Absent in records written before it existed. */
  limitsNotApplied?: LimitsNotApplied;
  warnings: string[];
  createdAt: string;
  expiresAt?: string;
  labels: Record<string, string>;
  uid?: number;
  /** Who asked for the sandbox (`callerUid()`); absent in records written before it existed. */
  creatorUid?: number;
  cgroupDirs: string[];
  token: string;
  /** A pre-started sandbox of a warm pool that nobody has claimed yet. */
  pooled: boolean;
}

export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CORRAL_STATE_DIR) return env.CORRAL_STATE_DIR;
  if (env.XDG_STATE_HOME) return join(env.XDG_STATE_HOME, 'corral');
  // root's home is 0700: the sandboxes' own uids could not reach their directories below it
  if (process.getuid?.() === 0) return '/var/lib/corral';
  return join(homedir(), '.local', 'state', 'corral');
}

export async function writeRecord(dir: string, record: SandboxRecord): Promise<void> {
  const tmp = join(dir, `.${RECORD_FILE}.tmp`);
  // 0600: it holds the runner token
  await writeFile(tmp, JSON.stringify(record, null, 2), { mode: 0o600 });
  await rename(tmp, join(dir, RECORD_FILE));
}

export async function readRecord(dir: string): Promise<SandboxRecord | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, RECORD_FILE), 'utf8')) as SandboxRecord;
  } catch {
    return undefined;
  }
}

export async function listRecordDirs(stateDir: string): Promise<string[]> {
  try {
    const entries = await readdir(stateDir, { withFileTypes: true });
    return entries
      .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
      .map((e) => join(stateDir, e.name));
  } catch {
    return [];
  }
}

/**
 * Makes the state dir and checks the sandbox uids can reach it: bwrap resolves bind sources as
 * the dropped uid, so every ancestor needs the search bit for others.
 */
export async function prepareStateDir(stateDir: string, dropsUid: boolean): Promise<void> {
  await mkdir(stateDir, { recursive: true, mode: dropsUid ? 0o711 : 0o700 });
  if (!dropsUid) return;
  await chmod(stateDir, 0o711);
  for (let dir = dirname(stateDir); ; dir = dirname(dir)) {
    const mode = (await stat(dir)).mode;
    if ((mode & 0o001) === 0) {
      throw new InvalidArgumentError(
        `stateDir ${stateDir} is below ${dir} (mode ${(mode & 0o777).toString(8)}), which the sandboxes' own uids ` +
          'cannot traverse. Choose a stateDir such as /var/lib/corral (option `stateDir` or CORRAL_STATE_DIR), ' +
          `or allow traversal with \`chmod o+x ${dir}\`.`,
      );
    }
    if (dir === '/') return;
  }
}

/**
 * An execute-only (0111) copy of `path` under `<stateDir>/.runtime/`, made once per state dir.
 * A process that execs a binary it cannot read is made non-dumpable by the kernel, which keeps
 * same-uid code away from its memory, fds and environment (see `LaunchOptions.protectedNode`).
 */
export async function execOnlyCopy(path: string, stateDir: string): Promise<string> {
  const info = await stat(path);
  const runtime = join(stateDir, '.runtime');
  await mkdir(runtime, { recursive: true, mode: 0o755 });
  await chmod(runtime, 0o755);
  const copy = join(runtime, `${Math.round(info.mtimeMs)}-${info.size}-${basename(path)}.x`);
  try {
    const existing = await stat(copy);
    if ((existing.mode & 0o777) === 0o111 && existing.size === info.size) return copy;
  } catch {
    // not made yet
  }
  const tmp = `${copy}.${process.pid}.tmp`;
  await copyFile(path, tmp);
  await chmod(tmp, 0o111);
  await rename(tmp, copy);
  return copy;
}

/**
 * A file the sandbox uid can read through a bind mount: the file itself when it and its
 * ancestors allow others in, else a copy under `<stateDir>/.runtime/`.
 */
export async function readableCopy(path: string, stateDir: string): Promise<string> {
  let reachable = ((await stat(path)).mode & 0o004) !== 0;
  for (let dir = dirname(path); reachable; dir = dirname(dir)) {
    if (((await stat(dir)).mode & 0o001) === 0) reachable = false;
    if (dir === '/') break;
  }
  if (reachable) return path;
  const info = await stat(path);
  const runtime = join(stateDir, '.runtime');
  await mkdir(runtime, { recursive: true, mode: 0o755 });
  await chmod(runtime, 0o755);
  const copy = join(runtime, `${Math.round(info.mtimeMs)}-${info.size}-${basename(path)}`);
  try {
    await stat(copy);
  } catch {
    const tmp = `${copy}.${process.pid}.tmp`;
    await copyFile(path, tmp);
    await chmod(tmp, 0o644);
    await rename(tmp, copy);
  }
  return copy;
}
