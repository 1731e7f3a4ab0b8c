/**
 * Upstream agent-sandbox python-runtime API at its upstream paths and JSON shapes, so its Python
 * and Go clients and its sandbox-router work against a Corral runner unchanged. Error bodies
 * are Corral's `{code, message}` with upstream's `message` texts; validation errors are 422 with
 * FastAPI's `detail` as well. As upstream, a leading `/` means "relative to the root".
 */
import { createReadStream } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { Deps } from '../deps.js';
import { listDir, writeAtomic } from '../files.js';
import { decodeUrlPath, type ResolvedPath } from '../fs-root.js';
import { readBody } from '../http/body.js';
import { HttpError } from '../http/errors.js';
import { sendJson } from '../http/respond.js';
import type { Router } from '../http/router.js';
import { boundaryOf, parseMultipart } from '../multipart.js';
import { shlexSplit } from '../shlex.js';
import type { LegacyExecuteResponse, LegacyListEntry } from '../wire.js';
import {
  baseRelative,
  contentDisposition,
  pyExecError,
  pyFloat,
  pyListRepr,
  readModelBody,
  requiredString,
  validationError,
} from './python-compat.js';

async function confined(deps: Deps, path: string): Promise<ResolvedPath> {
  try {
    return await deps.fsRoot.resolve(baseRelative(path), { follow: true });
  } catch (error) {
    if (error instanceof HttpError && error.code === 'PATH_OUTSIDE_ROOT') {
      throw new HttpError(403, 'PATH_OUTSIDE_ROOT', 'Access denied');
    }
    throw error;
  }
}

async function execute(deps: Deps, command: string): Promise<LegacyExecuteResponse> {
  let argv: string[];
  try {
    argv = shlexSplit(command);
    if (argv.length === 0) throw new Error('empty command');
  } catch (error) {
    return {
      stdout: '',
      stderr: `Failed to execute command: ${(error as Error).message}`,
      exit_code: 1,
    };
  }
  let proc;
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  try {
    proc = await deps.procs.start({
      cmd: argv,
      cwd: deps.fsRoot.realRoot,
      cwdRel: '',
      timeoutMs: deps.legacyExecTimeoutMs,
      onOutput: (stream, chunk) => (stream === 'stdout' ? out : err).push(chunk),
    });
  } catch (error) {
    return {
      stdout: '',
      stderr: `Failed to execute command: ${pyExecError(error, argv[0]!)}`,
      exit_code: 1,
    };
  }
  const exit = await proc.exited;
  deps.procs.remove(proc.id);
  const stdout = Buffer.concat(out).toString('utf8');
  const stderr = Buffer.concat(err).toString('utf8');
  if (exit.timedOut) {
    // Upstream's text: Python's TimeoutExpired, caught like any failure (so no output either).
    const seconds = pyFloat(deps.legacyExecTimeoutMs / 1000);
    return {
      stdout: '',
      stderr: `Failed to execute command: Command '${pyListRepr(argv)}' timed out after ${seconds} seconds`,
      exit_code: 1,
    };
  }
  return { stdout, stderr, exit_code: exit.exitCode ?? 1 };
}

export function registerLegacyRoutes(router: Router, deps: Deps): void {
  router.add('GET', '/', ({ res }) => {
    sendJson(res, 200, { status: 'ok', message: 'Sandbox Runtime is active.' });
  });

  router.add('POST', '/execute', async ({ req, res }) => {
    // Unknown fields are ignored, as pydantic does.
    const command = requiredString(await readModelBody(req, deps.maxBodyBytes), 'command');
    sendJson(res, 200, await execute(deps, command));
  });

  router.add('POST', '/upload', async ({ req, res }) => {
    const missing = () =>
      validationError(
        { type: 'missing', loc: ['body', 'file'], msg: 'Field required', input: null },
        'multipart/form-data field "file" with a filename (the destination path) is required',
      );
    const contentType = req.headers['content-type'] ?? '';
    if (!/^multipart\/form-data\b/i.test(contentType)) throw missing();
    const boundary = boundaryOf(contentType);
    const parts = parseMultipart(await readBody(req, deps.maxUploadBytes), boundary);
    const file = parts.find((p) => p.name === 'file');
    if (!file?.filename) throw missing();
    try {
      await writeAtomic(deps.fsRoot, baseRelative(file.filename), file.data, undefined);
    } catch (error) {
      if (error instanceof HttpError && error.code === 'PATH_OUTSIDE_ROOT') {
        throw new HttpError(403, 'PATH_OUTSIDE_ROOT', 'Access denied');
      }
      throw error;
    }
    sendJson(res, 200, { message: `File '${file.filename}' uploaded successfully.` });
  });

  router.add('GET', '/download/*path', async ({ res, params }) => {
    const resolved = await confined(deps, decodeUrlPath(params.path!));
    const st = await lstat(resolved.abs).catch(() => undefined);
    if (!st?.isFile()) throw new HttpError(404, 'NOT_FOUND', 'File not found');
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': st.size,
      'content-disposition': contentDisposition(resolved.rel.split('/').pop() || 'file'),
    });
    await pipeline(createReadStream(resolved.abs, { highWaterMark: 1024 * 1024 }), res).catch(() =>
      res.destroy(),
    );
  });

  router.add('GET', '/list/*path', async ({ res, params }) => {
    const resolved = await confined(deps, decodeUrlPath(params.path!));
    const st = await lstat(resolved.abs).catch(() => undefined);
    if (!st?.isDirectory()) throw new HttpError(404, 'NOT_FOUND', 'Path is not a directory');
    const entries = await listDir(resolved, params.path!);
    const legacy: LegacyListEntry[] = entries.map((e) => ({
      name: e.name,
      size: e.size,
      type: e.type === 'directory' ? 'directory' : 'file',
      mod_time: Date.parse(e.modifiedAt) / 1000,
    }));
    sendJson(res, 200, legacy);
  });

  router.add('GET', '/exists/*path', async ({ res, params }) => {
    const path = decodeUrlPath(params.path!);
    const resolved = await confined(deps, path);
    const exists = await lstat(resolved.abs).then(
      () => true,
      () => false,
    );
    sendJson(res, 200, { path, exists });
  });
}
