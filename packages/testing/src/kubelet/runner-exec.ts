/**
 * Runs a command inside a runner pod through the runner's commands API on its unix socket: a
 * foreground `POST /v1/commands` whose NDJSON events carry the output and the exit, plus
 * `POST|DELETE /v1/commands/{id}/stdin` for stdin. Dropping the request kills the command (the
 * runner ties a foreground command to its request).
 */
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { constants } from 'node:os';
import { createInterface } from 'node:readline';
import type { ExecOutcome, ExecRequest, ExecSession } from './pod-process.js';

interface RunnerEvent {
  type?: string;
  id?: string;
  data?: string;
  encoding?: string;
  exitCode?: number | null;
  signal?: string | null;
}

function call(
  socketPath: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Buffer | string,
): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ socketPath, method, path, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

export function runnerExec(
  socketPath: string,
  token: string | undefined,
  exec: ExecRequest,
): ExecSession {
  const auth: Record<string, string> =
    token === undefined ? {} : { authorization: `Bearer ${token}` };
  let settle!: (outcome: ExecOutcome) => void;
  let finished = false;
  const done = new Promise<ExecOutcome>((resolve) => {
    settle = (outcome) => {
      if (finished) return;
      finished = true;
      resolve(outcome);
    };
  });
  let id: string | undefined;
  // stdin operations wait for the command's id, then run strictly in order
  let startedResolve!: () => void;
  let stdinQueue: Promise<unknown> = new Promise<void>((resolve) => {
    startedResolve = resolve;
  });
  const enqueue = (op: () => Promise<unknown>): void => {
    stdinQueue = stdinQueue.then(() => (id !== undefined && !finished ? op() : undefined));
  };

  const body = JSON.stringify({ cmd: exec.command, keepStdinOpen: exec.stdin });
  const req: ClientRequest = request(
    {
      socketPath,
      method: 'POST',
      path: '/v1/commands',
      headers: {
        ...auth,
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        accept: 'application/x-ndjson',
      },
    },
    (res: IncomingMessage) => {
      // kill() destroys the request mid-response: the response then errors with "aborted"
      res.on('error', (err) => settle({ kind: 'error', message: err.message }));
      if (res.statusCode !== 200) {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => {
          let message = text.trim();
          try {
            const parsed = JSON.parse(text) as { message?: unknown };
            if (typeof parsed.message === 'string') message = parsed.message;
          } catch {
            // not JSON: keep the text
          }
          settle({ kind: 'error', message: message || `runner answered ${res.statusCode}` });
        });
        return;
      }
      const lines = createInterface({ input: res, crlfDelay: Infinity });
      // readline re-emits its input's errors ("aborted" when kill() drops the request): the
      // response's own listener above settles the session, so here they must not go uncaught
      lines.on('error', () => undefined);
      lines.on('line', (line) => {
        if (line.trim() === '' || finished) return;
        let event: RunnerEvent;
        try {
          event = JSON.parse(line) as RunnerEvent;
        } catch {
          return;
        }
        if (event.type === 'start' && typeof event.id === 'string') {
          id = event.id;
          startedResolve();
        } else if (event.type === 'stdout' || event.type === 'stderr') {
          const data = Buffer.from(
            event.data ?? '',
            event.encoding === 'base64' ? 'base64' : 'utf8',
          );
          if (event.type === 'stdout') exec.onStdout(data);
          else exec.onStderr(data);
        } else if (event.type === 'exit') {
          const signal = event.signal ?? null;
          const exitCode =
            typeof event.exitCode === 'number'
              ? event.exitCode
              : 128 + (signal !== null ? (constants.signals[signal as NodeJS.Signals] ?? 0) : 0);
          settle({ kind: 'exited', exitCode, signal });
        }
      });
      res.on('close', () =>
        settle({ kind: 'error', message: 'the connection to the container was lost' }),
      );
    },
  );
  req.on('error', (err) => settle({ kind: 'error', message: err.message }));
  req.end(body);
  void done.then(() => startedResolve());

  return {
    writeStdin(data) {
      if (!exec.stdin) return;
      enqueue(() =>
        call(
          socketPath,
          'POST',
          `/v1/commands/${id}/stdin`,
          {
            ...auth,
            'content-type': 'application/octet-stream',
            'content-length': String(data.length),
          },
          data,
        ),
      );
    },
    closeStdin() {
      if (!exec.stdin) return;
      enqueue(() => call(socketPath, 'DELETE', `/v1/commands/${id}/stdin`, auth));
    },
    kill() {
      // the runner kills a foreground command whose request goes away
      req.destroy();
      settle({ kind: 'error', message: 'killed' });
    },
    done,
  };
}
