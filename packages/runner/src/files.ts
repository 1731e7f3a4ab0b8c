/** Filesystem operations shared by the `/v1` file routes and the legacy python-runtime routes. */
import { randomBytes } from 'node:crypto';
import { createWriteStream, type Stats } from 'node:fs';
import { chmod, lstat, mkdir, readdir, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FsRoot, ResolvedPath } from './fs-root.js';
import { fsError, HttpError, invalidArgument } from './http/errors.js';
import type { FileEntry, FileStat, FileType } from './wire.js';

export function fileType(st: Stats): FileType {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'directory';
  if (st.isSymbolicLink()) return 'symlink';
  return 'other';
}

export function entryOf(name: string, st: Stats): FileEntry {
  return {
    name,
    type: fileType(st),
    size: st.size,
    mode: '0' + (st.mode & 0o7777).toString(8).padStart(3, '0'),
    modifiedAt: st.mtime.toISOString(),
  };
}

export function statOf(resolved: ResolvedPath, st: Stats): FileStat {
  return { ...entryOf(resolved.rel === '' ? '' : basename(resolved.abs), st), path: resolved.rel };
}

/** Parses `mode` as octal permission bits ("644", "0755"). */
export function parseMode(raw: string | null): number | undefined {
  if (raw === null) return undefined;
  if (!/^0?[0-7]{3,4}$/.test(raw) || parseInt(raw, 8) > 0o7777) {
    throw invalidArgument(`query "mode" must be octal permission bits such as 0644, got "${raw}"`);
  }
  return parseInt(raw, 8);
}

/** `mkdir -p` that re-checks confinement, since a created path may pass through a symlink. */
export async function mkdirp(fsRoot: FsRoot, resolved: ResolvedPath, shown: string): Promise<void> {
  try {
    await mkdir(resolved.abs, { recursive: true });
  } catch (error) {
    throw fsError(error, shown);
  }
  await fsRoot.resolve(resolved.abs, { follow: true });
}

export async function listDir(resolved: ResolvedPath, shown: string): Promise<FileEntry[]> {
  let names;
  try {
    names = await readdir(resolved.abs);
  } catch (error) {
    throw fsError(error, shown);
  }
  const entries = await Promise.all(
    names.map(async (name) => {
      try {
        return entryOf(name, await lstat(join(resolved.abs, name)));
      } catch {
        return undefined; // removed between readdir and lstat
      }
    }),
  );
  return entries
    .filter((e): e is FileEntry => e !== undefined)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Streams `source` into a temp file next to the target, then renames it into place, so readers
 * see the old content or the new, never a partial file. Parents are created.
 */
export async function writeAtomic(
  fsRoot: FsRoot,
  input: string,
  source: Readable | Buffer,
  mode: number | undefined,
): Promise<{ stat: FileStat; created: boolean }> {
  const target = await fsRoot.resolve(input, { follow: false });
  if (target.rel === '')
    throw invalidArgument('cannot write to the root directory itself; name a file');
  const parent = await fsRoot.resolve(dirname(target.abs), { follow: true });
  await mkdirp(fsRoot, parent, `parent of "${input}"`);
  let existing: Stats | undefined;
  try {
    existing = await lstat(target.abs);
  } catch {
    existing = undefined;
  }
  if (existing?.isDirectory()) {
    throw new HttpError(
      400,
      'IS_A_DIRECTORY',
      `"${input}" is a directory; write to a file path inside it`,
    );
  }
  const temp = join(
    dirname(target.abs),
    `.${basename(target.abs)}.${randomBytes(6).toString('hex')}.corral-tmp`,
  );
  const fileMode = mode ?? (existing?.isFile() ? existing.mode & 0o7777 : 0o644);
  try {
    const out = createWriteStream(temp, {
      mode: fileMode,
      flags: 'wx',
      highWaterMark: 1024 * 1024,
    });
    if (Buffer.isBuffer(source)) {
      await new Promise<void>((resolve, reject) => {
        out.on('error', reject);
        out.end(source, () => resolve());
      });
    } else {
      await pipeline(source, out);
    }
    // The umask may have narrowed the mode given to open(2).
    await chmod(temp, fileMode);
    await rename(temp, target.abs);
  } catch (error) {
    await unlink(temp).catch(() => {});
    if (error instanceof HttpError) throw error;
    throw fsError(error, `"${input}"`);
  }
  return { stat: statOf(target, await stat(target.abs)), created: existing === undefined };
}

export async function statPath(resolved: ResolvedPath, shown: string): Promise<Stats> {
  try {
    return await stat(resolved.abs);
  } catch (error) {
    throw fsError(error, shown);
  }
}
