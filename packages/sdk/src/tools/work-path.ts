import { posix } from 'node:path';
import { InvalidArgumentError, PathOutsideRootError } from '../errors.js';

/**
 * Checks a path a model gave for a file tool before it reaches the sandbox. Relative paths are
 * relative to the sandbox's work directory and may not climb out of it with `..`; absolute paths
 * go on to the runner, which refuses any outside its root (symlinks included). Returns the
 * normalized path (`""` for the work directory itself).
 */
export function checkWorkPath(input: string, what = 'path'): string {
  if (typeof input !== 'string') {
    throw new InvalidArgumentError(`${what} must be a string`);
  }
  if (input.includes('\0')) {
    throw new InvalidArgumentError(`${what} must not contain NUL bytes`);
  }
  if (input.trim() === '' || input === '.' || input === './') return '';
  if (posix.isAbsolute(input)) return posix.normalize(input);
  const normalized = posix.normalize(input);
  if (normalized === '..' || normalized.startsWith('../')) {
    throw new PathOutsideRootError(
      `${what} ${JSON.stringify(input)} is outside the sandbox's work directory; use a path relative to it without ".." climbing out, e.g. "src/main.py"`,
    );
  }
  return normalized === '.' ? '' : normalized.replace(/\/$/, '');
}
