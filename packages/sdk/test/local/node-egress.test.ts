/**
 * Allow-listed egress for Node programs that ignore HTTP_PROXY (issue 13 item 7, decision 0032):
 * Node's `fetch`, `http.get` and `https.get` inside an `allow` sandbox reach an allowed host and
 * are refused for any other. Only loopback is reachable here, so the allowed names are fake ones
 * the proxy resolves to 127.0.0.1 from its `hosts` map (as in network.test.ts).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalProvider, type LocalProvider } from '../../src/local/index.js';
import type { ProvisionedSandbox } from '../../src/provider.js';
import { runnerExec, tempStateDir } from './helpers.js';

/** A node program run inside the sandbox; prints one line per attempt. */
function nodeScript(js: string): string {
  return `node -e '${js.replaceAll("'", "'\\''")}'`;
}

const fetchLine = (url: string, tag: string): string =>
  `await fetch(${JSON.stringify(url)}).then(async (r) => console.log(${JSON.stringify(tag)}, r.status, await r.text()), (e) => console.log(${JSON.stringify(tag)}, "ERR", e.cause?.message ?? e.message));`;
const getLine = (mod: 'http' | 'https', url: string, tag: string): string =>
  `await new Promise((done) => require(${JSON.stringify(mod)}).get(${JSON.stringify(url)}, (r) => { let b = ""; r.on("data", (c) => (b += c)); r.on("end", () => { console.log(${JSON.stringify(tag)}, r.statusCode, b); done(); }); }).on("error", (e) => { console.log(${JSON.stringify(tag)}, "ERR", e.message); done(); }));`;

describe('allow-listed egress for node clients without proxy support', () => {
  let stateDir: string;
  let certDir: string;
  let server: http.Server;
  let tlsServer: https.Server | undefined;
  let port: number;
  let tlsPort = 0;
  let provider: LocalProvider;
  let sandbox: ProvisionedSandbox;

  beforeAll(async () => {
    stateDir = await tempStateDir();
    certDir = await mkdtemp(join(tmpdir(), 'corral-egress-cert-'));
    server = http.createServer((_req, res) => res.end('hello-from-host'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
    if (existsSync('/usr/bin/openssl')) {
      execFileSync(
        'openssl',
        [
          ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1'],
          ...['-subj', '/CN=secure.test', '-addext', 'subjectAltName=DNS:secure.test'],
          ...['-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem')],
        ],
        { stdio: 'ignore' },
      );
      tlsServer = https.createServer(
        {
          key: await readFile(join(certDir, 'key.pem')),
          cert: await readFile(join(certDir, 'cert.pem')),
        },
        (_req, res) => res.end('hello-over-tls'),
      );
      await new Promise<void>((r) => tlsServer!.listen(0, '127.0.0.1', r));
      tlsPort = (tlsServer.address() as AddressInfo).port;
    }
    provider = createLocalProvider({
      stateDir,
      isolation: 'bubblewrap',
      proxyHosts: {
        'allowed.test': '127.0.0.1',
        'denied.test': '127.0.0.1',
        'secure.test': '127.0.0.1',
      },
    });
    sandbox = await provider.create({
      network: {
        mode: 'allow',
        domains: [`allowed.test:${port}`, ...(tlsPort ? [`secure.test:${tlsPort}`] : [])],
      },
      // the caller's own NODE_OPTIONS are kept after the preload
      env: { NODE_OPTIONS: '--max-old-space-size=256' },
    });
  }, 60_000);

  afterAll(async () => {
    await provider.delete(sandbox.info.id);
    await provider.close();
    server.close();
    tlsServer?.close();
    await rm(stateDir, { recursive: true, force: true });
    await rm(certDir, { recursive: true, force: true });
  });

  it('fetch and http.get reach an allowed host; a host off the list is refused', async () => {
    const script = nodeScript(
      `(async () => { ${fetchLine(`http://allowed.test:${port}/`, 'fetch-allowed')} ${fetchLine(`http://denied.test:${port}/`, 'fetch-denied')} ${getLine('http', `http://allowed.test:${port}/`, 'get-allowed')} ${getLine('http', `http://denied.test:${port}/`, 'get-denied')} console.log("options", process.env.NODE_OPTIONS); })()`,
    );
    const run = await runnerExec(sandbox.endpoint, script, 60_000);
    const lines = run.stdout.trim().split('\n');
    expect(lines, run.stderr).toEqual([
      'fetch-allowed 200 hello-from-host',
      expect.stringMatching(
        /^fetch-denied ERR the sandbox egress proxy refused denied\.test:\d+: HTTP\/1\.1 403/,
      ),
      'get-allowed 200 hello-from-host',
      expect.stringMatching(
        /^get-denied ERR the sandbox egress proxy refused denied\.test:\d+: HTTP\/1\.1 403/,
      ),
      'options --require /run/corral-net/node-proxy.cjs --max-old-space-size=256',
    ]);
  }, 90_000);

  it.skipIf(!existsSync('/usr/bin/openssl'))(
    'fetch and https.get speak TLS end to end through the tunnel (skipped without openssl: no certificate to serve)',
    async () => {
      const ca = `${sandbox.info.metadata.workDir}/ca.pem`;
      await import('node:fs/promises').then((fs) => fs.copyFile(join(certDir, 'cert.pem'), ca));
      const script = `NODE_EXTRA_CA_CERTS=$HOME/ca.pem ${nodeScript(
        `(async () => { ${fetchLine(`https://secure.test:${tlsPort}/`, 'fetch-tls')} ${getLine('https', `https://secure.test:${tlsPort}/`, 'get-tls')} })()`,
      )}`;
      const run = await runnerExec(sandbox.endpoint, script, 60_000);
      expect(run.stdout.trim().split('\n')).toEqual([
        'fetch-tls 200 hello-over-tls',
        'get-tls 200 hello-over-tls',
      ]);
    },
    90_000,
  );
});
