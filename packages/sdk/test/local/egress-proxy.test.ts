/**
 * The allow-list proxy runs inside the process that owns every sandbox and reads bytes written
 * by untrusted code. These tests drive it directly over its unix socket: the request that used to
 * kill the owner (E1), a seeded fuzz of request heads, the port and host-address rules (W4) and
 * the connection cap (W6). Everything stays on loopback.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEgressProxy, type EgressProxy } from '../../src/local/egress-proxy.js';
import { isForbiddenAddress } from '../../src/local/egress-addresses.js';

/** Sends raw bytes to the proxy; resolves with what came back once the proxy closed or went quiet. */
function raw(
  socketPath: string,
  data: string | Buffer,
  quietMs = 400,
): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const s = connect(socketPath);
    let text = '';
    let timer: NodeJS.Timeout | undefined;
    const done = (closed: boolean) => {
      clearTimeout(timer);
      s.destroy();
      resolve({ text, closed });
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => done(false), quietMs);
    };
    s.on('data', (d) => {
      text += d.toString('latin1');
      arm();
    });
    s.on('error', () => done(true));
    s.on('close', () => done(true));
    s.on('connect', () => {
      s.write(data);
      arm();
    });
  });
}

function status(text: string): number | undefined {
  const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** A small deterministic PRNG (mulberry32), so a failing case can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('egress proxy: untrusted input never reaches the owner', () => {
  let dir: string;
  let upstream: http.Server;
  let port: number;
  let proxy: EgressProxy;
  const crashes: unknown[] = [];
  const onCrash = (error: unknown) => crashes.push(error);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'corral-proxy-'));
    upstream = http.createServer((_req, res) => res.end('upstream-ok'));
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    port = (upstream.address() as AddressInfo).port;
    proxy = await startEgressProxy({
      socketPath: join(dir, 'proxy.sock'),
      domains: [`allowed.test:${port}`, 'example.com', '*.wild.test'],
      hosts: {
        'allowed.test': '127.0.0.1',
        'example.com': '127.0.0.1',
        'a.wild.test': '127.0.0.1',
      },
    });
  });
  afterAll(async () => {
    await proxy?.close();
    upstream.close();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    crashes.length = 0;
    process.on('uncaughtException', onCrash);
    process.on('unhandledRejection', onCrash);
  });
  afterEach(() => {
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
  });

  async function stillServes(): Promise<void> {
    const ok = await raw(
      proxy.socketPath,
      `CONNECT allowed.test:${port} HTTP/1.1\r\nHost: allowed.test\r\n\r\nGET / HTTP/1.1\r\nHost: allowed.test\r\nConnection: close\r\n\r\n`,
    );
    expect(status(ok.text)).toBe(200);
    expect(ok.text).toContain('upstream-ok');
  }

  it('E1: CONNECT to an out-of-range port answers 400 and the owner lives on', async () => {
    for (const bad of ['99999', '65536', '0', '-1', '1e3', '', 'abc', '443:443']) {
      const r = await raw(
        proxy.socketPath,
        `CONNECT example.com:${bad} HTTP/1.1\r\nHost: x\r\n\r\n`,
      );
      expect(status(r.text), `port ${JSON.stringify(bad)}: ${r.text}`).toBe(400);
    }
    // the same through the plain-HTTP path
    const get = await raw(
      proxy.socketPath,
      'GET http://example.com:99999/ HTTP/1.1\r\nHost: example.com\r\n\r\n',
    );
    expect([400]).toContain(status(get.text));
    await new Promise((r) => setTimeout(r, 50));
    expect(crashes).toEqual([]);
    await stillServes();
  });

  it('fuzz: random request lines, hosts, ports and header sizes never throw in the owner', async () => {
    const seed = Number(process.env.CORRAL_FUZZ_SEED ?? 20261202);
    const rand = prng(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const junk = (n: number) =>
      Buffer.from(Array.from({ length: n }, () => Math.floor(rand() * 256))).toString('latin1');
    const hosts = [
      'example.com',
      'EXAMPLE.COM.',
      'allowed.test',
      'a.wild.test',
      'wild.test',
      '127.0.0.1',
      '[::1]',
      '[::ffff:127.0.0.1]',
      '[fe80::1%25eth0]',
      '[',
      ']',
      '[]',
      '',
      'x'.repeat(300),
      `${'a.'.repeat(140)}com`,
      'ex ample.com',
      'example.com@127.0.0.1',
      'exa\u0000mple.com',
      'ünïcode.test',
      '%2e%2e',
      'localhost',
      '0x7f.1',
      '2130706433',
    ];
    const ports = [
      '',
      ':',
      ':0',
      ':1',
      `:${port}`,
      ':443',
      ':80',
      ':65535',
      ':65536',
      ':99999',
      ':-5',
      ':1.5',
      ':0x50',
      ':9'.repeat(40),
      '::',
      ':443:443',
      ':NaN',
    ];
    const methods = ['CONNECT', 'GET', 'POST', 'HEAD', 'PUT', 'BREW', 'connect', ''];
    const versions = ['HTTP/1.1', 'HTTP/1.0', 'HTTP/2', 'HTTP/9.9', '', 'http/1.1'];
    const seen = new Map<string, number>();
    for (let i = 0; i < 250; i++) {
      // half well-formed heads (the parser accepts them, the proxy's own checks decide), half chaos
      const wellFormed = rand() < 0.5;
      const method = wellFormed ? pick(['CONNECT', 'GET']) : pick(methods);
      const authority = pick(hosts) + pick(ports);
      const target =
        method === 'CONNECT' || rand() < 0.3 ? authority : `http://${authority}/${junk(3)}`;
      const headerCount = wellFormed ? Math.floor(rand() * 2) : Math.floor(rand() * 4);
      const headers: string[] = [];
      for (let h = 0; h < headerCount; h++) {
        const size = wellFormed ? pick([0, 10, 1000]) : pick([0, 10, 1000, 8000, 17_000, 70_000]);
        headers.push(`X-Fuzz-${h}: ${'v'.repeat(size)}`);
      }
      if (!wellFormed && rand() < 0.2) headers.push(junk(20));
      let request = `${method} ${target} ${wellFormed ? 'HTTP/1.1' : pick(versions)}\r\n${headers.join('\r\n')}\r\n\r\n`;
      if (!wellFormed && rand() < 0.15)
        request = request.slice(0, Math.floor(rand() * request.length));
      if (!wellFormed && rand() < 0.1) request = junk(Math.floor(rand() * 200));
      const r = await raw(proxy.socketPath, request, 150);
      const code = status(r.text);
      const key = code === undefined ? (r.closed ? 'closed' : 'silent') : String(code);
      seen.set(key, (seen.get(key) ?? 0) + 1);
      if (code !== undefined) expect([200, 400, 403, 404, 431, 502, 505]).toContain(code);
      expect(crashes, `seed ${seed}, case ${i}: ${JSON.stringify(request.slice(0, 200))}`).toEqual(
        [],
      );
    }
    console.log(`fuzz seed ${seed}:`, Object.fromEntries(seen));
    // the fuzz exercised refusals of every kind, not just one path
    expect(seen.get('400') ?? 0).toBeGreaterThan(10);
    expect(seen.get('403') ?? 0).toBeGreaterThan(5);
    await stillServes();
    expect(crashes).toEqual([]);
  });

  it('W4: an entry without a port allows only 80 and 443', async () => {
    const r = await raw(proxy.socketPath, `CONNECT example.com:${port} HTTP/1.1\r\n\r\n`);
    expect(status(r.text)).toBe(403);
    expect(r.text).toContain(`port ${port} of example.com is not allowed`);
    const ssh = await raw(proxy.socketPath, 'CONNECT example.com:22 HTTP/1.1\r\n\r\n');
    expect(status(ssh.text)).toBe(403);
  });
});

describe('egress proxy: host addresses and connection caps', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'corral-proxy-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('W4: classifies special and own addresses numerically', () => {
    for (const a of [
      '127.0.0.1',
      '0:0:0:0:0:0:0:1',
      '::ffff:7f00:1',
      '::ffff:127.0.0.1',
      'fe90::1',
      'febf::1',
      'fe80::1%eth0',
      '10.1.2.3',
      '100.64.0.1',
      '169.254.169.254',
      '192.168.1.1',
      '0.0.0.0',
      '::',
      'ff02::1',
      '255.255.255.255',
    ])
      expect(isForbiddenAddress(a), a).toBeDefined();
    for (const a of ['93.184.216.34', '2606:2800:220:1::1'])
      expect(isForbiddenAddress(a)).toBe(undefined);
    const own = Object.values(networkInterfaces())
      .flat()
      .filter((x) => x !== undefined);
    for (const a of own) expect(isForbiddenAddress(a.address), a.address).toBeDefined();
  });

  it("W4: an allowed name resolving to one of this host's addresses is refused, on any port", async () => {
    const external = Object.values(networkInterfaces())
      .flat()
      .find((a) => a && !a.internal && a.family === 'IPv4');
    // the allow-list names the address itself: the proxy resolves it like a name (no hosts map)
    const target = external?.address ?? '127.0.0.1';
    const server = http.createServer((_req, res) => res.end('HOST-SECRET'));
    await new Promise<void>((r) => server.listen(0, '0.0.0.0', r));
    const port = (server.address() as AddressInfo).port;
    const proxy = await startEgressProxy({
      socketPath: join(dir, 'own.sock'),
      domains: [`${target}:${port}`, `localhost:${port}`],
    });
    try {
      for (const host of [target, 'localhost']) {
        const r = await raw(proxy.socketPath, `CONNECT ${host}:${port} HTTP/1.1\r\n\r\n`);
        expect(status(r.text), r.text).toBe(403);
        expect(r.text).not.toContain('HOST-SECRET');
        const get = await raw(
          proxy.socketPath,
          `GET http://${host}:${port}/ HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
        );
        expect(status(get.text), get.text).toBe(403);
      }
    } finally {
      await proxy.close();
      server.close();
    }
  });

  it('W6: caps concurrent connections and drops clients that never send a request', async () => {
    // Event-driven throughout: on a loaded machine a fixed sleep would decide the outcome.
    const open = (proxy: EgressProxy, count: number) => {
      const closes: Promise<number>[] = [];
      const sockets = Array.from({ length: count }, (_, i) => {
        const s = connect(proxy.socketPath);
        s.on('error', () => undefined);
        s.resume(); // read to EOF, so a close by the server is seen
        closes.push(new Promise((r) => s.once('close', () => r(i))));
        return s;
      });
      return { sockets, closes };
    };
    const capped = await startEgressProxy({
      socketPath: join(dir, 'cap.sock'),
      domains: ['example.com'],
      maxConnections: 8,
      headersTimeoutMs: 60_000,
    });
    const first = open(capped, 20);
    try {
      // Twelve are over the cap and closed at once; with a minute of head timeout, only the cap
      // can have closed them, and the eight others stay open.
      const closedFirst: number[] = [];
      await new Promise<void>((resolve) => {
        for (const p of first.closes)
          void p.then((i) => {
            closedFirst.push(i);
            if (closedFirst.length === 12) resolve();
          });
      });
      await new Promise((r) => setImmediate(r));
      expect(closedFirst).toHaveLength(12);
    } finally {
      for (const s of first.sockets) s.destroy();
      await capped.close();
    }

    const timed = await startEgressProxy({
      socketPath: join(dir, 'head.sock'),
      domains: ['example.com'],
      maxConnections: 8,
      headersTimeoutMs: 300,
    });
    const second = open(timed, 4);
    try {
      // Clients that never send a request are dropped once the head timeout passes.
      expect((await Promise.all(second.closes)).sort()).toEqual([0, 1, 2, 3]);
    } finally {
      for (const s of second.sockets) s.destroy();
      await timed.close();
    }
  });
});
