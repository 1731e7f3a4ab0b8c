/**
 * Confines file paths to the runner's root. A path is checked twice: lexically (so `..` and
 * absolute paths outside the root are refused without touching the disk) and after `realpath`
 * of its deepest existing ancestor (so a symlink inside the root cannot lead outside it).
 */
import { realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { errnoCode, HttpError, invalidArgument } from './http/errors.js';

export interface ResolvedPath {
  /** Real absolute path (ancestors' symlinks resolved). */
  abs: string;
  /** Relative to the real root, `/`-separated; `""` for the root. */
  rel: string;
}

function inside(root: string, candidate: string): boolean {
  const r = relative(root, candidate);
  return r === '' || (!r.startsWith('..' + sep) && r !== '..' && !isAbsolute(r));
}

function outside(input: string): HttpError {
  return new HttpError(
    403,
    'PATH_OUTSIDE_ROOT',
    `path "${input}" resolves outside the sandbox root; use a path relative to the root without ".." escaping it`,
  );
}

export class FsRoot {
  private constructor(
    readonly root: string,
    readonly realRoot: string,
  ) {}

  static async open(root: string): Promise<FsRoot> {
    const abs = resolve(root);
    return new FsRoot(abs, await realpath(abs));
  }

  /**
   * `follow: true` resolves the path itself too (reads, stat, list); `false` resolves only its
   * parent, so the last component may be a symlink that is replaced or removed, never followed.
   */
  async resolve(input: string, opts: { follow: boolean }): Promise<ResolvedPath> {
    if (input.includes('\0')) throw invalidArgument('path must not contain NUL bytes');
    let lexical: string;
    if (isAbsolute(input)) {
      lexical = resolve(input);
      if (inside(this.realRoot, lexical)) {
        // already real-root based
      } else if (inside(this.root, lexical)) {
        lexical = join(this.realRoot, relative(this.root, lexical));
      } else {
        throw outside(input);
      }
    } else {
      lexical = resolve(this.realRoot, input);
      if (!inside(this.realRoot, lexical)) throw outside(input);
    }

    const rest: string[] = [];
    let existing = lexical;
    if (!opts.follow && lexical !== this.realRoot) {
      rest.push(basename(lexical));
      existing = dirname(lexical);
    }
    let real: string;
    for (;;) {
      try {
        real = await realpath(existing);
        break;
      } catch (error) {
        const code = errnoCode(error);
        if ((code !== 'ENOENT' && code !== 'ENOTDIR') || existing === this.realRoot) throw error;
        rest.unshift(basename(existing));
        existing = dirname(existing);
      }
    }
    const abs = rest.length > 0 ? join(real, ...rest) : real;
    if (!inside(this.realRoot, abs)) throw outside(input);
    return { abs, rel: relative(this.realRoot, abs).split(sep).join('/') };
  }
}

/** Decodes the `{path}` part of a URL (each segment percent-decoded; empty means the root). */
export function decodeUrlPath(raw: string): string {
  try {
    return raw
      .split('/')
      .map((segment) => decodeURIComponent(segment))
      .join('/');
  } catch {
    throw invalidArgument(`path "${raw}" is not valid percent-encoding`);
  }
}
