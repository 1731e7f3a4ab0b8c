/**
 * The host↔runner channel against code inside the sandbox (red-team findings W1, W2, W7, W8):
 * the code shares the runner's uid and pid namespace, so it must not be able to replace the
 * socket the host talks to, point the host at another socket, or read the runner's token.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalProvider, type LocalProvider } from '../../src/local/index.js';
import type { ProvisionedSandbox } from '../../src/provider.js';
import { RunnerClient } from '../../src/runner-client/index.js';
import { COLLECTED_OUTPUT_LIMIT_BYTES } from '../../src/runner-client/commands.js';
import { isRoot, runnerExec, tempStateDir } from './helpers.js';

/** A fake runner: renames the real socket away and answers every command with forged success. */
const FAKE_RUNNER = `
const fs = require('fs'), http = require('http');
const path = '/run/corral/runner.sock';
fs.renameSync(path, '/run/corral/real.sock');
const events = [{type:'start',pid:1},{type:'stdout',data:'FORGED OUTPUT: all tests passed\\n'},{type:'exit',exitCode:0,signal:null}];
const server = http.createServer((req, res) => {
  let body = ''; req.on('data', d => body += d);
  req.on('end', () => {
    fs.appendFileSync('/work/fake-log', req.method + ' ' + req.url + ' ' + (req.headers.authorization || '') + '\\n');
    res.writeHead(200, {'content-type': 'application/x-ndjson'});
    res.end(events.map(e => JSON.stringify(e)).join('\\n') + '\\n');
  });
});
server.listen(path, () => { console.log('FAKE LISTENING'); });
setTimeout(() => process.exit(0), 20000);
`;

describe('host↔runner channel: the sandboxed code cannot forge, redirect or eavesdrop', () => {
  let stateDir: string;
  let provider: LocalProvider;
  let sandbox: ProvisionedSandbox;
  const secretEnv = `user-secret-${Math.random().toString(36).slice(2)}`;

  beforeAll(async () => {
    stateDir = await tempStateDir();
    provider = createLocalProvider({ stateDir, isolation: 'bubblewrap' });
    sandbox = await provider.create({ env: { API_KEY: secretEnv } });
  });
  afterAll(async () => {
    if (sandbox) await provider.delete(sandbox.info.id);
    await provider.close();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('W1: a fake runner put in place of runner.sock is not what the host talks to', async () => {
    const planted = await runnerExec(
      sandbox.endpoint,
      `node -e "${FAKE_RUNNER.replaceAll('"', '\\"').replaceAll('$', '\\$')}" > /work/fake-out 2>&1 & sleep 1; cat /work/fake-out; ls /run/corral`,
    );
    expect(planted.stdout).toContain('FAKE LISTENING');
    expect(planted.stdout).toContain('real.sock');
    const client = new RunnerClient(sandbox.endpoint);
    try {
      const result = await client.commands.run(['sh', '-c', 'echo real; exit 3']);
      expect(result.stdout).toBe('real\n');
      expect(result.exitCode).toBe(3);
      expect(result.stdout).not.toContain('FORGED');
    } finally {
      client.close();
    }
    const log = await runnerExec(
      sandbox.endpoint,
      'cat /work/fake-log 2>/dev/null || echo NOTHING',
    );
    // the impostor never saw a request, let alone the bearer token
    expect(log.stdout.trim()).toBe('NOTHING');
  });

  it('W2: a symlink planted at runner.sock does not redirect the host to a host socket', async () => {
    const dir = await mkdtemp(join(stateDir, 'victim-'));
    const victimPath = join(dir, 'victim.sock');
    const received: string[] = [];
    const victim: Server = createServer((s) => s.on('data', (d) => received.push(d.toString())));
    await new Promise<void>((r) => victim.listen(victimPath, r));
    try {
      const planted = await runnerExec(
        sandbox.endpoint,
        `rm -f /run/corral/runner.sock; ln -s '${victimPath}' /run/corral/runner.sock && echo planted`,
      );
      expect(planted.stdout).toContain('planted');
      const client = new RunnerClient(sandbox.endpoint);
      try {
        const result = await client.commands.run(['echo', 'still-the-runner']);
        expect(result.stdout).toBe('still-the-runner\n');
      } finally {
        client.close();
      }
      expect(received).toEqual([]);
    } finally {
      victim.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("W8: the code cannot read the runner's environment, fds or memory", async () => {
    const result = await runnerExec(
      sandbox.endpoint,
      [
        // the runner is the process that bwrap (pid 1) started with the protected node
        'R=$(for p in /proc/[0-9]*; do [ "$(head -c 16 $p/cmdline 2>/dev/null)" = /opt/corral/node ] && echo $p; done | head -1 | cut -d/ -f3)',
        'echo "runner=$R"',
        'cat /proc/$R/environ 2>&1 | tr "\\0" "\\n" | grep -c CORRAL_RUNNER_TOKEN || true',
        'ls /proc/$R/fd >/dev/null 2>&1 && echo FDS-LISTED || echo fds-denied',
        "node -e \"try{require('fs').openSync('/proc/$R/mem','r+');console.log('MEM-OPEN')}catch(e){console.log('mem',e.code)}\"",
      ].join('; '),
    );
    expect(result.stdout).toMatch(/runner=\d+/);
    expect(result.stdout).not.toContain('CORRAL_RUNNER_TOKEN=');
    expect(result.stdout).toContain('fds-denied');
    expect(result.stdout).toMatch(/mem EACCES|mem EPERM/);
    expect(result.stdout).not.toContain(sandbox.endpoint.token!);
  });

  // pidfd_getfd is issued raw through python's ctypes; without python3 it cannot be probed
  it("W8/W15: pidfd_getfd cannot copy the runner's listening socket", async (ctx) => {
    ctx.skip(
      !existsSync('/usr/bin/python3'),
      'python3 is not installed: it issues the raw syscalls',
    );
    const py = [
      'import ctypes, os',
      'libc = ctypes.CDLL(None, use_errno=True)',
      'pid = [int(p) for p in os.listdir("/proc") if p.isdigit() and open(f"/proc/{p}/cmdline","rb").read().split(bytes(1))[0] == b"/opt/corral/node"][0]',
      'pfd = libc.syscall(434, pid, 0)',
      'got = [fd for fd in range(3, 40) if libc.syscall(438, pfd, fd, 0) >= 0]',
      'print("pidfd", pfd, "copied", got, os.strerror(ctypes.get_errno()))',
    ].join('\n');
    const result = await runnerExec(sandbox.endpoint, `python3 -c '${py}'`);
    expect(result.stdout).toMatch(/copied \[\]/);
  });

  it('W7: neither the token nor env values appear in any host process argv', async () => {
    const hits: string[] = [];
    for (const entry of await readdir('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
      if (cmdline.includes(sandbox.endpoint.token!) || cmdline.includes(secretEnv))
        hits.push(`${entry}: ${cmdline.replaceAll('\0', ' ').slice(0, 200)}`);
    }
    expect(hits).toEqual([]);
    // the env still reaches commands
    const env = await runnerExec(sandbox.endpoint, 'echo "$API_KEY"');
    expect(env.stdout.trim()).toBe(secretEnv);
  });

  it('W3: a collected result keeps a bounded tail of the output and says what it dropped', async () => {
    const client = new RunnerClient(sandbox.endpoint);
    try {
      let streamed = 0;
      const total = 20_000_000;
      // printable bytes: NULs would be six bytes each on the JSON wire, for nothing this tests
      const result = await client.commands.run(
        ['sh', '-c', `head -c ${total} /dev/zero | tr '\\0' a`],
        {
          onStdout: (text) => void (streamed += text.length),
        },
      );
      expect(streamed).toBe(total);
      expect(result.stdoutBytes.length).toBe(COLLECTED_OUTPUT_LIMIT_BYTES);
      expect(result.truncated).toEqual({
        stdoutBytes: total - COLLECTED_OUTPUT_LIMIT_BYTES,
        stderrBytes: 0,
      });
      const small = await client.commands.run(['echo', 'hi']);
      expect(small.truncated).toBeUndefined();
    } finally {
      client.close();
    }
  }, 120_000);

  it('W5: default bounds: pids and memory limits, a sized /tmp, a read-only root', async () => {
    if (isRoot)
      expect(sandbox.info.isolation.limitsApplied).toEqual({
        memoryBytes: 4 * 1024 ** 3,
        maxProcesses: 1024,
        diskBytes: 10 * 1024 ** 3,
      });
    const result = await runnerExec(
      sandbox.endpoint,
      'df -k /tmp | tail -1 | tr -s " " | cut -d" " -f2; touch /etc/x 2>&1 || true',
    );
    expect(result.stdout.split('\n')[0]).toBe(String(1024 * 1024));
    expect(result.stdout).toMatch(/Read-only file system/);
  });

  it('W16: the launcher does not hand the caller cwd to the sandbox', async () => {
    const result = await runnerExec(sandbox.endpoint, 'tr "\\0" "\\n" < /proc/1/environ');
    expect(result.stdout).not.toContain(process.cwd());
  });
});
