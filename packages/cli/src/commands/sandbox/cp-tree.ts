/**
 * `corral sandbox cp -r`: a directory tree between the host and a sandbox, one streamed file at
 * a time over the runner's file routes (so it works against any runner, local or in a pod, and
 * needs no `tar` in the sandbox image). Modes are kept; what the sandbox reports is not trusted:
 * entry names must be single path components, nothing is written through a host symlink, and
 * setuid/setgid bits are dropped on the host.
 */
import { chmod, lstat, mkdir, readdir, realpath, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { InvalidArgumentError, PermissionDeniedError } from '@corral/sdk';
import type { Sandbox } from '@corral/sdk';
import { download, upload } from './cp-stream.js';

export interface TreeCopy {
  files: number;
  directories: number;
  bytes: number;
  /** Entries not copied (symlinks from the sandbox, devices, sockets), with the reason. */
  skipped: string[];
}

const noStdin: AsyncIterable<Uint8Array> = (async function* () {})();

function joinRemote(dir: string, name: string): string {
  return dir === '' ? name : dir.endsWith('/') ? `${dir}${name}` : `${dir}/${name}`;
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep) && rel !== '..');
}

/** Copies the local directory `localDir` to the sandbox path `target` (created). */
export async function uploadTree(
  sandbox: Sandbox,
  localDir: string,
  target: string,
  signal: AbortSignal,
): Promise<TreeCopy> {
  const root = await realpath(localDir);
  const out: TreeCopy = { files: 0, directories: 0, bytes: 0, skipped: [] };
  const walk = async (dir: string, remote: string): Promise<void> => {
    // owner rwx while filling it: the runner sets a directory's mode only when it creates it
    const { mode } = await stat(dir);
    await sandbox.files.mkdir(remote, { mode: (mode & 0o777) | 0o700, signal });
    out.directories += 1;
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const to = joinRemote(remote, entry.name);
      if (entry.isDirectory()) {
        await walk(path, to);
      } else if (entry.isFile()) {
        await copyFile(path, to);
      } else if (entry.isSymbolicLink()) {
        const resolved = await realpath(path).catch(() => undefined);
        if (resolved === undefined || !inside(root, resolved)) {
          throw new PermissionDeniedError(
            `Refusing to copy ${path}: it is a symlink to ${resolved ?? 'nothing'}, outside ${localDir}. Remove it or copy its target explicitly.`,
          );
        }
        if (!(await stat(resolved)).isFile()) {
          throw new InvalidArgumentError(
            `Refusing to copy ${path}: it is a symlink to the directory ${resolved}; cp -r follows symlinks only to files.`,
          );
        }
        await copyFile(resolved, to);
      } else {
        out.skipped.push(`${path} (not a file, directory or symlink)`);
      }
    }
  };
  const copyFile = async (path: string, to: string): Promise<void> => {
    const { mode } = await stat(path);
    // upload() streams; the mode goes with the write
    out.bytes += await upload(sandbox, path, noStdin, to, signal, mode & 0o7777);
    out.files += 1;
  };
  await walk(root, target);
  return out;
}

/** Copies the sandbox directory `source` to the local path `target` (created). */
export async function downloadTree(
  sandbox: Sandbox,
  source: string,
  target: string,
  signal: AbortSignal,
): Promise<TreeCopy> {
  const out: TreeCopy = { files: 0, directories: 0, bytes: 0, skipped: [] };
  const walk = async (remote: string, dir: string, mode: number): Promise<void> => {
    await ownDirectory(dir);
    out.directories += 1;
    for (const entry of await sandbox.files.list(remote, { signal })) {
      const { name } = entry;
      if (name === '' || name === '.' || name === '..' || /[/\\\0]/.test(name)) {
        throw new PermissionDeniedError(
          `The sandbox listed an entry named ${JSON.stringify(name)} in ${remote}; refusing to write it on the host.`,
        );
      }
      const from = joinRemote(remote, name);
      const path = join(dir, name);
      if (entry.type === 'directory') {
        await walk(from, path, Number.parseInt(entry.mode, 8));
      } else if (entry.type === 'file') {
        out.bytes += await download(sandbox, from, path, signal);
        // no setuid/setgid from a sandbox onto the host
        await chmod(path, Number.parseInt(entry.mode, 8) & 0o777);
        out.files += 1;
      } else {
        out.skipped.push(`${from} (${entry.type === 'symlink' ? 'a symlink' : 'not a file'})`);
      }
    }
    // last, so a read-only directory could still be filled
    await chmod(dir, mode & 0o1777);
  };
  const top = await sandbox.files.stat(source, { signal });
  await walk(source, target, Number.parseInt(top.mode, 8));
  return out;
}

/** Makes `dir` (or accepts an existing real directory); never one reached through a symlink. */
async function ownDirectory(dir: string): Promise<void> {
  try {
    await mkdir(dir, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const info = await lstat(dir);
  if (!info.isDirectory()) {
    throw new PermissionDeniedError(
      `Refusing to copy into ${dir}: it exists and is ${info.isSymbolicLink() ? 'a symlink' : 'not a directory'}.`,
    );
  }
}
