import { stat } from 'node:fs/promises';
import { isAbsolute, normalize } from 'node:path';
import type { Deps } from '../deps.js';
import { fsError, HttpError } from '../http/errors.js';
import type { ResolvedPath } from '../fs-root.js';

/** A command's working directory: confined to the root, existing, and a directory. */
export async function resolveCwd(deps: Deps, cwd: string | undefined): Promise<ResolvedPath> {
  const resolved = sandboxTmp(cwd) ?? (await deps.fsRoot.resolve(cwd ?? '', { follow: true }));
  let isDir: boolean;
  try {
    isDir = (await stat(resolved.abs)).isDirectory();
  } catch (error) {
    throw fsError(error, `cwd "${cwd}"`);
  }
  if (!isDir) throw new HttpError(400, 'NOT_A_DIRECTORY', `cwd "${cwd}" is not a directory`);
  return resolved;
}

/**
 * `/tmp` (and below) is the sandbox's own scratch space, so it is a valid working directory
 * though it is outside the root the file API is confined to. A working directory grants nothing:
 * the command could `cd` there itself.
 */
function sandboxTmp(cwd: string | undefined): ResolvedPath | undefined {
  if (cwd === undefined || !isAbsolute(cwd)) return undefined;
  const abs = normalize(cwd);
  if (abs !== '/tmp' && !abs.startsWith('/tmp/')) return undefined;
  return { abs, rel: abs };
}
