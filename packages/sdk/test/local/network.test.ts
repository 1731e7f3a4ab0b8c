/**
 * Network modes. Only loopback is reachable on CI, so the allow-list is tested against a host
 * server on 127.0.0.1 behind fake names that the proxy resolves from its `hosts` map.
 */
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalProvider, domainAllowed } from '../../src/local/index.js';
import { isPrivateAddress } from '../../src/local/egress-proxy.js';
import { runnerExec, tempStateDir } from './helpers.js';

/** A node one-liner run inside the sandbox: CONNECT through $HTTPS_PROXY, then GET over the tunnel. */
function viaProxy(host: string, port: number): string {
  const js = `const net=require('net');const u=new URL(process.env.HTTPS_PROXY);const s=net.connect(+u.port,u.hostname,()=>s.write('CONNECT ${host}:${port} HTTP/1.1\\r\\nHost: ${host}:${port}\\r\\n\\r\\n'));let buf='';let tunneled=false;s.on('data',d=>{buf+=d;if(!tunneled&&buf.includes('\\r\\n\\r\\n')){const status=buf.split(' ')[1];console.log('STATUS',status);if(status!=='200'){process.exit(0)}tunneled=true;buf='';s.write('GET / HTTP/1.1\\r\\nHost: ${host}\\r\\nConnection: close\\r\\n\\r\\n')}});s.on('end',()=>{console.log('BODY',buf.split('\\r\\n\\r\\n')[1]);process.exit(0)});s.on('error',e=>{console.log('ERR',e.code);process.exit(0)})`;
  return `node -e "${js.replaceAll('"', '\\"')}"`;
}

describe('network modes', () => {
  let server: http.Server;
  let port: number;
  let stateDir: string;

  beforeAll(async () => {
    stateDir = await tempStateDir();
    server = http.createServer((_req, res) => res.end('hello-from-host'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.close();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('allow-list: allowed names get through the proxy, others are refused, direct connections fail', async () => {
    const provider = createLocalProvider({
      stateDir,
      isolation: 'bubblewrap',
      proxyHosts: {
        'allowed.test': '127.0.0.1',
        'denied.test': '127.0.0.1',
        'api.allowed.test': '127.0.0.1',
      },
    });
    try {
      const sb = await provider.create({
        network: { mode: 'allow', domains: [`allowed.test:${port}`, `*.allowed.test:${port}`] },
      });
      expect(sb.info.isolation.network).toEqual({
        mode: 'allow',
        domains: [`allowed.test:${port}`, `*.allowed.test:${port}`],
      });
      const ok = await runnerExec(sb.endpoint, viaProxy('allowed.test', port));
      expect(ok.stdout).toContain('STATUS 200');
      expect(ok.stdout).toContain('BODY hello-from-host');
      const sub = await runnerExec(sb.endpoint, viaProxy('api.allowed.test', port));
      expect(sub.stdout).toContain('STATUS 200');
      const denied = await runnerExec(sb.endpoint, viaProxy('denied.test', port));
      expect(denied.stdout).toContain('STATUS 403');
      // a name not in the hosts map that is allowed nowhere, and raw IPs, are refused too
      const ip = await runnerExec(sb.endpoint, viaProxy('127.0.0.1', port));
      expect(ip.stdout).toContain('STATUS 403');
      const direct = await runnerExec(
        sb.endpoint,
        `node -e "require('net').connect(${port},'127.0.0.1').on('connect',()=>console.log('CONNECTED')).on('error',e=>console.log(e.code))"`,
      );
      expect(direct.stdout.trim()).toBe('ECONNREFUSED');
      if (existsSync('/usr/bin/curl')) {
        // plain HTTP through HTTP_PROXY (absolute-URI requests), as ordinary tools do it
        const curl = await runnerExec(
          sb.endpoint,
          `curl -s -w ' %{http_code}' --max-time 5 http://allowed.test:${port}/; echo; curl -s -o /dev/null -w '%{http_code}' --max-time 5 http://denied.test:${port}/`,
        );
        expect(curl.stdout).toBe('hello-from-host 200\n403');
      }
      await provider.delete(sb.info.id);
    } finally {
      await provider.close();
    }
  });

  it('full: the host network is shared', async () => {
    const provider = createLocalProvider({ stateDir, isolation: 'bubblewrap' });
    try {
      const sb = await provider.create({ network: { mode: 'full' } });
      const result = await runnerExec(
        sb.endpoint,
        `node -e "require('http').get('http://127.0.0.1:${port}/',r=>{r.setEncoding('utf8');r.on('data',d=>console.log(d))}).on('error',e=>console.log(e.code))"`,
      );
      expect(result.stdout.trim()).toBe('hello-from-host');
      await provider.delete(sb.info.id);
    } finally {
      await provider.close();
    }
  });

  it('rejects an empty allow-list with a clear error', async () => {
    const provider = createLocalProvider({ stateDir, isolation: 'bubblewrap' });
    try {
      await expect(provider.create({ network: { mode: 'allow', domains: [] } })).rejects.toThrow(
        /at least one domain/,
      );
    } finally {
      await provider.close();
    }
  });

  it('matches domains and classifies private addresses', () => {
    expect(domainAllowed('example.com', ['example.com'])).toBe(true);
    expect(domainAllowed('EXAMPLE.com.', ['example.com'])).toBe(true);
    expect(domainAllowed('a.example.com', ['example.com'])).toBe(false);
    expect(domainAllowed('a.example.com', ['*.example.com'])).toBe(true);
    expect(domainAllowed('example.com', ['*.example.com'])).toBe(false);
    expect(domainAllowed('evil-example.com', ['*.example.com'])).toBe(false);
    expect(domainAllowed('example.com', ['example.com:8443'])).toBe(true);
    for (const a of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '::1',
      '::ffff:127.0.0.1',
      'fd00::1',
    ]) {
      expect(isPrivateAddress(a)).toBe(true);
    }
    for (const a of ['93.184.216.34', '8.8.8.8', '2606:2800:220:1::1'])
      expect(isPrivateAddress(a)).toBe(false);
  });
});
