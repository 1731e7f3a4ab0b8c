import { createReadStream } from 'node:fs';
import { chmod, lstat, rm, rmdir, stat, unlink } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { Deps } from '../deps.js';
import { listDir, mkdirp, parseMode, statOf, statPath, writeAtomic } from '../files.js';
import { decodeUrlPath } from '../fs-root.js';
import { fsError, HttpError, invalidArgument } from '../http/errors.js';
import { sendEmpty, sendJson } from '../http/respond.js';
import type { RequestContext, Router } from '../http/router.js';

/** Parses a single `bytes=` range; undefined means serve the whole file. */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  // Multiple or malformed ranges: RFC 9110 allows ignoring the header and sending everything.
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) throw unsatisfiable(size);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== '' && Number(m[2]) < start) return undefined;
  }
  if (start >= size) throw unsatisfiable(size);
  return { start, end };
}

function unsatisfiable(size: number): HttpError {
  return new HttpError(
    416,
    'RANGE_NOT_SATISFIABLE',
    `range is outside the file (size ${size} bytes)`,
    { 'content-range': `bytes */${size}` },
  );
}

function shown(path: string): string {
  return `"${path === '' ? '/' : path}"`;
}

export function registerFileRoutes(router: Router, deps: Deps): void {
  const { fsRoot } = deps;

  const readFile = async ({ req, res, params }: RequestContext, head: boolean) => {
    const path = decodeUrlPath(params.path!);
    const resolved = await fsRoot.resolve(path, { follow: true });
    const st = await statPath(resolved, shown(path));
    const common = {
      'accept-ranges': 'bytes',
      'last-modified': st.mtime.toUTCString(),
      'x-corral-file-type': st.isDirectory() ? 'directory' : st.isFile() ? 'file' : 'other',
      'x-corral-file-mode': '0' + (st.mode & 0o7777).toString(8).padStart(3, '0'),
    };
    if (head) {
      res.writeHead(200, { ...common, 'content-length': st.isFile() ? st.size : 0 });
      res.end();
      return;
    }
    if (st.isDirectory()) {
      throw new HttpError(
        400,
        'IS_A_DIRECTORY',
        `${shown(path)} is a directory; list it with GET /v1/dirs/{path}`,
      );
    }
    const range = parseRange(req.headers.range, st.size);
    const headers: Record<string, string | number> = {
      ...common,
      'content-type': 'application/octet-stream',
    };
    if (range) {
      headers['content-range'] = `bytes ${range.start}-${range.end}/${st.size}`;
      headers['content-length'] = range.end - range.start + 1;
      res.writeHead(206, headers);
    } else {
      headers['content-length'] = st.size;
      res.writeHead(200, headers);
    }
    if (st.size === 0) {
      res.end();
      return;
    }
    const stream = createReadStream(resolved.abs, {
      highWaterMark: 1024 * 1024,
      ...(range ? { start: range.start, end: range.end } : {}),
    });
    await pipeline(stream, res).catch(() => res.destroy());
  };

  router.add('GET', '/v1/files/*path', (ctx) => readFile(ctx, false));
  router.add('HEAD', '/v1/files/*path', (ctx) => readFile(ctx, true));

  router.add('PUT', '/v1/files/*path', async ({ req, res, params, query }) => {
    const path = decodeUrlPath(params.path!);
    const mode = parseMode(query.get('mode'));
    const { stat: result, created } = await writeAtomic(fsRoot, path, req, mode);
    sendJson(res, created ? 201 : 200, result);
  });

  router.add('DELETE', '/v1/files/*path', async ({ res, params, query }) => {
    const path = decodeUrlPath(params.path!);
    const recursive = query.get('recursive') === 'true';
    const resolved = await fsRoot.resolve(path, { follow: false });
    if (resolved.rel === '') throw invalidArgument('cannot remove the root directory itself');
    let st;
    try {
      st = await lstat(resolved.abs);
    } catch (error) {
      throw fsError(error, shown(path));
    }
    try {
      if (!st.isDirectory()) await unlink(resolved.abs);
      else if (recursive) await rm(resolved.abs, { recursive: true, force: true });
      else await rmdir(resolved.abs);
    } catch (error) {
      throw fsError(error, shown(path));
    }
    sendEmpty(res);
  });

  router.add('GET', '/v1/stat/*path', async ({ res, params }) => {
    const path = decodeUrlPath(params.path!);
    const resolved = await fsRoot.resolve(path, { follow: true });
    sendJson(res, 200, statOf(resolved, await statPath(resolved, shown(path))));
  });

  router.add('GET', '/v1/dirs/*path', async ({ res, params }) => {
    const path = decodeUrlPath(params.path!);
    const resolved = await fsRoot.resolve(path, { follow: true });
    const st = await statPath(resolved, shown(path));
    if (!st.isDirectory()) {
      throw new HttpError(400, 'NOT_A_DIRECTORY', `${shown(path)} is not a directory`);
    }
    sendJson(res, 200, { path: resolved.rel, entries: await listDir(resolved, shown(path)) });
  });

  router.add('PUT', '/v1/dirs/*path', async ({ res, params, query }) => {
    const path = decodeUrlPath(params.path!);
    const mode = parseMode(query.get('mode'));
    const resolved = await fsRoot.resolve(path, { follow: false });
    let existed = false;
    try {
      const st = await stat(resolved.abs);
      if (!st.isDirectory()) {
        throw new HttpError(409, 'ALREADY_EXISTS', `${shown(path)} exists and is not a directory`);
      }
      existed = true;
    } catch (error) {
      if (error instanceof HttpError) throw error;
    }
    if (!existed) {
      await mkdirp(fsRoot, await fsRoot.resolve(path, { follow: true }), shown(path));
      if (mode !== undefined)
        await chmod(resolved.abs, mode).catch((e: unknown) => {
          throw fsError(e, shown(path));
        });
    }
    const final = await fsRoot.resolve(path, { follow: true });
    sendJson(res, existed ? 200 : 201, statOf(final, await statPath(final, shown(path))));
  });
}
