/**
 * The in-sandbox half of the model gateway, both versions (node's and Python's), run here as
 * plain processes: loopback TCP in, the gateway's unix socket out. What the agents rely on: a
 * streamed HTTP response arrives whole and in order, keep-alive requests reuse a connection,
 * a half-closed request still gets its answer, and a gateway that is gone closes the client's
 * connection instead of hanging it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BRIDGE_FILE,
  BRIDGE_PY_FILE,
  BRIDGE_PY_SOURCE,
  BRIDGE_READY,
  BRIDGE_SOURCE,
} from '../src/gateway/bridge.js';

const PYTHON = '/usr/bin/python3';
const variants = [
  { name: 'node', argv: (dir: string) => [process.execPath, join(dir, BRIDGE_FILE)], run: true },
  {
    name: 'python',
    argv: (dir: string) => [PYTHON, '-I', '-S', join(dir, BRIDGE_PY_FILE)],
    run: existsSync(PYTHON),
  },
];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function startBridge(argv: string[], socket: string, port: number): Promise<ChildProcess> {
  const child = spawn(argv[0]!, [...argv.slice(1), socket, String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (l) => l === BRIDGE_READY && resolve());
    child.once('exit', (code) => reject(new Error(`bridge exited ${code}: ${stderr}`)));
  });
  return child;
}

function request(
  port: number,
  path: string,
  agent?: http.Agent,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, ...(agent ? { agent } : {}) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

describe.each(variants)('model bridge ($name)', ({ argv, run }) => {
  let dir: string;
  let socket: string;
  let upstream: http.Server;
  let bridge: ChildProcess;
  let port: number;
  let accepted = 0;

  beforeAll(async () => {
    if (!run) return;
    dir = await mkdtemp(join(tmpdir(), 'corral-bridge-'));
    await writeFile(join(dir, BRIDGE_FILE), BRIDGE_SOURCE);
    await writeFile(join(dir, BRIDGE_PY_FILE), BRIDGE_PY_SOURCE);
    socket = join(dir, 'model.sock');
    upstream = http.createServer((req, res) => {
      if (req.url === '/stream') {
        // SSE-like: many small events, then the end
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        let i = 0;
        const tick = () => {
          if (i === 200) return void res.end('data: [DONE]\n\n');
          res.write(`data: ${i++}\n\n`);
          setImmediate(tick);
        };
        tick();
        return;
      }
      if (req.url === '/big') return void res.end('x'.repeat(3 * 1024 * 1024));
      res.end(`ok ${req.url}`);
    });
    upstream.on('connection', () => accepted++);
    await new Promise<void>((r) => upstream.listen(socket, r));
    port = await freePort();
    bridge = await startBridge(argv(dir), socket, port);
  });
  afterAll(async () => {
    if (!run) return;
    bridge.kill('SIGKILL');
    await new Promise<void>((r) => upstream.close(() => r()));
    await rm(dir, { recursive: true, force: true });
  });

  it.runIf(run)(
    'streams a response whole and in order, and a large one byte for byte',
    async () => {
      const streamed = await request(port, '/stream');
      expect(streamed.status).toBe(200);
      const events = streamed.body.split('\n\n').filter(Boolean);
      expect(events).toHaveLength(201);
      expect(events.slice(0, 200)).toEqual([...Array(200).keys()].map((i) => `data: ${i}`));
      const big = await request(port, '/big');
      expect(big.body.length).toBe(3 * 1024 * 1024);
    },
  );

  it.runIf(run)('keeps a keep-alive connection for several requests', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const before = accepted;
    try {
      for (const n of [1, 2, 3])
        expect((await request(port, `/k${n}`, agent)).body).toBe(`ok /k${n}`);
      // one connection through the bridge is one connection to the gateway
      expect(accepted - before).toBe(1);
    } finally {
      agent.destroy();
    }
  });

  it.runIf(run)('answers a request whose sender half-closed after sending it', async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const c = net.connect(port, '127.0.0.1', () =>
        c.end('GET /half HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
      );
      let got = '';
      c.on('data', (d) => (got += d.toString()));
      c.on('end', () => resolve(got));
      c.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1.1 200/);
    expect(answer).toContain('ok /half');
  });

  it.runIf(run)('closes the client at once when the gateway socket is gone', async () => {
    const other = await freePort();
    const lonely = await startBridge(argv(dir), join(dir, 'nothing.sock'), other);
    try {
      const closed = await new Promise<string>((resolve) => {
        const c = net.connect(other, '127.0.0.1', () => c.write('GET / HTTP/1.1\r\n\r\n'));
        c.on('close', () => resolve('closed'));
        c.on('error', () => undefined);
      });
      expect(closed).toBe('closed');
    } finally {
      lonely.kill('SIGKILL');
    }
  });
});
