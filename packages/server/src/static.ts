/**
 * The console's prebuilt files from `staticDir`: GET/HEAD only, content types by extension, no
 * path outside the directory, and any other non-API GET answered with `index.html` (the console
 * routes on the client).
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { Hono } from 'hono';
import { ServerError } from './errors.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

export function contentType(path: string): string {
  return TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/** The file under `root` for a URL path, or undefined; throws 403 when it would escape. */
export function staticPath(root: string, urlPath: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    throw new ServerError(
      'BAD_REQUEST',
      `the path ${JSON.stringify(urlPath)} is not valid URL encoding`,
    );
  }
  if (decoded.includes('\0'))
    throw new ServerError('PATH_OUTSIDE_WORKDIR', 'the path contains NUL');
  if (decoded.split(/[\\/]/).includes('..'))
    throw new ServerError(
      'PATH_OUTSIDE_WORKDIR',
      `the path ${JSON.stringify(urlPath)} leaves the console directory`,
    );
  const base = resolve(root);
  const full = resolve(base, `.${sep}${normalize(decoded)}`);
  if (full !== base && !full.startsWith(base + sep))
    throw new ServerError(
      'PATH_OUTSIDE_WORKDIR',
      `the path ${JSON.stringify(urlPath)} leaves the console directory`,
    );
  return full;
}

async function fileAt(path: string): Promise<string | undefined> {
  const info = await stat(path).catch(() => undefined);
  if (info?.isFile()) return path;
  if (info?.isDirectory()) {
    const index = join(path, 'index.html');
    if ((await stat(index).catch(() => undefined))?.isFile()) return index;
  }
  return undefined;
}

export function serveStatic(app: Hono, root: string): void {
  app.on(['GET', 'HEAD'], '*', async (c) => {
    if (c.req.path.startsWith('/api/'))
      throw new ServerError('NOT_FOUND', `no route ${c.req.method} ${c.req.path}`);
    const found =
      (await fileAt(staticPath(root, c.req.path))) ?? (await fileAt(join(root, 'index.html')));
    if (!found)
      throw new ServerError(
        'NOT_FOUND',
        `no console file for ${c.req.path} and no index.html in ${root}`,
      );
    const body = await readFile(found);
    const headers = {
      'content-type': contentType(found),
      'cache-control': found.endsWith('index.html') ? 'no-cache' : 'public, max-age=3600',
      'x-content-type-options': 'nosniff',
    };
    if (c.req.method === 'HEAD') return c.body(null, 200, headers);
    return c.body(new Uint8Array(body), 200, headers);
  });
}
