/**
 * An in-process stand-in for the runner's task protocol (`/healthz`, `POST /task`, `GET /task`
 * with long-poll): the task "runs" instantly. Lets the benchmarks measure the orchestrator's own
 * overhead, without a process per sandbox.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StubRunner {
  baseUrl: string;
  close(): Promise<void>;
}

export async function startStubRunner(host = '127.0.0.1', port = 0): Promise<StubRunner> {
  let task: { taskID: string; message: string } | undefined;
  const now = new Date().toISOString();
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const json = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      if (req.url === '/healthz') {
        json(200, { status: 'ok', mode: 'serve', uptimeMs: 1, version: 'stub' });
      } else if (req.method === 'POST' && req.url === '/task') {
        if (task) return json(409, { code: 'TASK_ALREADY_ASSIGNED', message: 'taken' });
        const parsed = JSON.parse(body) as { taskID: string; message: string };
        task = { taskID: parsed.taskID, message: parsed.message };
        json(202, { status: 'accepted' });
      } else if (req.method === 'GET' && req.url?.startsWith('/task')) {
        json(200, {
          state: task ? 'exited' : 'idle',
          ...(task
            ? {
                task,
                result: {
                  exitCode: 0,
                  signal: null,
                  timedOut: false,
                  runnerExitCode: 0,
                  startedAt: now,
                  endedAt: now,
                  durationMs: 0,
                  stdoutTail: 'ok\n',
                  stderrTail: '',
                },
              }
            : {}),
        });
      } else json(404, { code: 'NOT_FOUND', message: req.url });
    });
  });
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const address = server.address() as AddressInfo;
  return {
    baseUrl: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
