import { stat } from 'node:fs/promises';
import type { Deps } from '../deps.js';
import { fsError, HttpError } from '../http/errors.js';
import type { ResolvedPath } from '../fs-root.js';

/** A command's working directory: confined to the root, existing, and a directory. */
export async function resolveCwd(deps: Deps, cwd: string | undefined): Promise<ResolvedPath> {
  const resolved = await deps.fsRoot.resolve(cwd ?? '', { follow: true });
  let isDir: boolean;
  try {
    isDir = (await stat(resolved.abs)).isDirectory();
  } catch (error) {
    throw fsError(error, `cwd "${cwd}"`);
  }
  if (!isDir) throw new HttpError(400, 'NOT_A_DIRECTORY', `cwd "${cwd}" is not a directory`);
  return resolved;
}
