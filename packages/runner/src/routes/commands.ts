import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { Deps } from '../deps.js';
import { HttpError, invalidArgument, notFound } from '../http/errors.js';
import { readJson } from '../http/body.js';
import { closed, drained, sendEmpty, sendJson } from '../http/respond.js';
import type { RequestContext, Router } from '../http/router.js';
import { isSignalName, type ManagedProcess, type SpawnSpec } from '../processes.js';
import {
  argv,
  bool,
  envMap,
  positiveInt,
  rejectUnknown,
  requireObject,
  str,
  type Json,
} from '../validate.js';
import type { CommandGapEvent } from '../wire.js';
import { resolveCwd } from './cwd.js';
import { parsePtySize, registerPtyRoutes } from './pty.js';

const START_FIELDS = [
  'cmd',
  'shell',
  'env',
  'cwd',
  'stdin',
  'stdinEncoding',
  'keepStdinOpen',
  'timeoutMs',
  'background',
  'pty',
] as const;

interface Format {
  contentType: string;
  line(json: string, seq: number, type: string): string;
}

const NDJSON: Format = {
  contentType: 'application/x-ndjson',
  line: (json) => json + '\n',
};

const SSE: Format = {
  contentType: 'text/event-stream',
  line: (json, seq, type) => `id: ${seq}\nevent: ${type}\ndata: ${json}\n\n`,
};

function formatFor(req: IncomingMessage): Format {
  return (req.headers.accept ?? '').includes('text/event-stream') ? SSE : NDJSON;
}

/**
 * Writes the process's events from `cursor` to `res`. `primary` readers (the request that started
 * a foreground command) apply backpressure to the child instead of letting the buffer drop output.
 */
async function streamEvents(
  proc: ManagedProcess,
  req: IncomingMessage,
  res: ServerResponse,
  opts: { cursor: number; follow: boolean; primary: boolean },
): Promise<void> {
  const fmt = formatFor(req);
  if (!res.headersSent) {
    res.writeHead(200, {
      'content-type': fmt.contentType,
      'cache-control': 'no-store',
      'x-corral-command-id': proc.id,
    });
  }
  const isClosed = closed(res);
  let done = false;
  void isClosed.then(() => (done = true));
  let seq = opts.cursor;
  while (!done) {
    const { gap, events } = proc.eventsFrom(seq);
    let chunk = '';
    if (gap > 0) {
      const event: CommandGapEvent = { type: 'gap', seq, droppedEvents: gap };
      chunk += fmt.line(JSON.stringify(event), seq, 'gap');
      seq += gap;
    }
    let sawExit = false;
    for (const stored of events) {
      chunk += fmt.line(stored.line, stored.event.seq, stored.event.type);
      seq = stored.event.seq + 1;
      if (stored.event.type === 'exit') sawExit = true;
    }
    if (chunk.length > 0 && !res.write(chunk)) {
      if (opts.primary) proc.pauseOutput();
      await drained(res);
      if (opts.primary) proc.resumeOutput();
    }
    if (sawExit || !opts.follow) break;
    await Promise.race([proc.waitFor(seq), isClosed]);
  }
  if (!res.destroyed) res.end();
}

function getProc(deps: Deps, id: string): ManagedProcess {
  const proc = deps.procs.get(id);
  if (!proc) {
    throw notFound(`no command with id "${id}"; list the known ones with GET /v1/commands`);
  }
  return proc;
}

function parseCursor(value: string | null): number {
  if (value === null) return 0;
  if (!/^\d+$/.test(value)) {
    throw invalidArgument(
      `query "cursor" must be a non-negative integer (an event seq), got "${value}"`,
    );
  }
  return Number(value);
}

function decodeStdin(body: Json): Buffer | undefined {
  const stdin = str(body, 'stdin');
  const encoding = str(body, 'stdinEncoding');
  if (encoding !== undefined && encoding !== 'utf8' && encoding !== 'base64') {
    throw invalidArgument('field "stdinEncoding" must be "utf8" or "base64"');
  }
  if (stdin === undefined) return undefined;
  return Buffer.from(stdin, encoding === 'base64' ? 'base64' : 'utf8');
}

export async function parseStartRequest(
  deps: Deps,
  raw: unknown,
): Promise<{ spec: SpawnSpec; background: boolean }> {
  const body = requireObject(raw);
  rejectUnknown(body, START_FIELDS);
  const cmd = argv(body, 'cmd');
  const shell = str(body, 'shell', { nonEmpty: true });
  if ((cmd === undefined) === (shell === undefined)) {
    throw invalidArgument(
      'exactly one of "cmd" (argv array) and "shell" (string for /bin/sh -c) is required',
    );
  }
  const env = envMap(body, 'env');
  const timeoutMs = positiveInt(body, 'timeoutMs');
  const stdin = decodeStdin(body);
  const pty = parsePtySize(body.pty, 'pty');
  // a terminal is for typing into: keep its input open unless the caller says otherwise
  const keepStdinOpen = bool(body, 'keepStdinOpen') ?? (pty ? true : undefined);
  const background = bool(body, 'background') ?? false;
  const cwd = await resolveCwd(deps, str(body, 'cwd'));
  const spec: SpawnSpec = {
    ...(cmd ? { cmd } : {}),
    ...(shell !== undefined ? { shell } : {}),
    ...(env ? { env } : {}),
    cwd: cwd.abs,
    cwdRel: cwd.rel,
    ...(stdin ? { stdin } : {}),
    ...(keepStdinOpen !== undefined ? { keepStdinOpen } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(pty ? { pty } : {}),
  };
  return { spec, background };
}

export async function startOrThrow(deps: Deps, spec: SpawnSpec): Promise<ManagedProcess> {
  try {
    return await deps.procs.start(spec);
  } catch (error) {
    const program = spec.cmd ? spec.cmd[0] : '/bin/sh';
    throw new HttpError(
      422,
      'SPAWN_FAILED',
      `could not start "${program}": ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

export function registerCommandRoutes(router: Router, deps: Deps): void {
  router.add('POST', '/v1/commands', async ({ req, res }: RequestContext) => {
    const { spec, background } = await parseStartRequest(
      deps,
      await readJson(req, deps.maxBodyBytes),
    );
    const proc = await startOrThrow(deps, spec);
    deps.logger.log('info', 'command started', { id: proc.id, pid: proc.pid, background });
    if (background) {
      sendJson(res, 201, proc.info(), { location: `/v1/commands/${proc.id}` });
      return;
    }
    // A foreground command lives as long as the request that started it.
    res.once('close', () => {
      if (proc.status === 'running') proc.kill('SIGKILL');
    });
    await streamEvents(proc, req, res, { cursor: 0, follow: true, primary: true });
  });

  router.add('GET', '/v1/commands', ({ res }) => {
    sendJson(res, 200, { commands: deps.procs.list().map((p) => p.info()) });
  });

  router.add('GET', '/v1/commands/:id', ({ res, params }) => {
    sendJson(res, 200, getProc(deps, params.id!).info());
  });

  router.add('DELETE', '/v1/commands/:id', async ({ res, params }) => {
    const proc = getProc(deps, params.id!);
    deps.procs.remove(params.id!);
    // Answer once the group leader is gone, so "deleted" means "not running".
    await proc.exited;
    sendEmpty(res);
  });

  router.add('GET', '/v1/commands/:id/output', async ({ req, res, params, query }) => {
    const proc = getProc(deps, params.id!);
    const cursor = parseCursor(query.get('cursor'));
    const follow = query.get('follow') !== 'false';
    await streamEvents(proc, req, res, { cursor, follow, primary: false });
  });

  router.add('POST', '/v1/commands/:id/stdin', async ({ req, res, params, query }) => {
    const proc = getProc(deps, params.id!);
    if (proc.status === 'exited') {
      throw new HttpError(409, 'PROCESS_NOT_RUNNING', `command "${proc.id}" already exited`);
    }
    if (!proc.stdinOpen || proc.stdin.writableEnded || proc.stdin.destroyed) {
      throw new HttpError(
        409,
        'STDIN_CLOSED',
        `stdin of command "${proc.id}" is closed; start it with keepStdinOpen: true to write later`,
      );
    }
    await pipeline(req, proc.stdin, { end: false });
    if (query.get('eof') === 'true') proc.stdin.end();
    sendEmpty(res);
  });

  router.add('DELETE', '/v1/commands/:id/stdin', ({ res, params }) => {
    const proc = getProc(deps, params.id!);
    proc.stdin.end();
    sendEmpty(res);
  });

  registerPtyRoutes(router, deps, getProc);

  router.add('POST', '/v1/commands/:id/kill', async ({ req, res, params }) => {
    const proc = getProc(deps, params.id!);
    const length = Number(req.headers['content-length'] ?? 0);
    const chunked = req.headers['transfer-encoding'] !== undefined;
    const body = length > 0 || chunked ? requireObject(await readJson(req, deps.maxBodyBytes)) : {};
    rejectUnknown(body, ['signal']);
    const signal = str(body, 'signal', { nonEmpty: true }) ?? 'SIGKILL';
    const name = signal.startsWith('SIG') ? signal : `SIG${signal}`;
    if (!isSignalName(name)) {
      throw invalidArgument(
        `field "signal" must be a signal name such as SIGTERM or SIGKILL, got "${signal}"`,
      );
    }
    if (!proc.kill(name)) {
      throw new HttpError(409, 'PROCESS_NOT_RUNNING', `command "${proc.id}" already exited`);
    }
    sendJson(res, 202, proc.info());
  });
}
