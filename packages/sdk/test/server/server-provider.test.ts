/**
 * The SDK's `server` provider against a real `corral serve` (in process, local provider, real
 * bubblewrap sandboxes): the whole Sandbox API works through the server's REST API and runner
 * proxy, the sandbox outlives the client's provider, another client reconnects to it, and bad
 * URLs and tokens give errors that say what to do.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type CorralServer } from '@corral/server';
import {
  AuthenticationError,
  ConnectionError,
  createServerProvider,
  InvalidArgumentError,
  Sandbox,
} from '@corral/sdk';

let server: CorralServer;
let stateDir: string;

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'corral-server-provider-'));
  // local sandboxes run as their own uids and must traverse the state dir to their root
  await chmod(stateDir, 0o711);
  server = await startServer({ stateDir, port: 0 });
}, 60_000);

afterAll(async () => {
  const left = await fetch(`${server.url}/api/v1/sandboxes`, {
    headers: { authorization: `Bearer ${server.token}` },
  }).then((r) => r.json() as Promise<{ items: { id: string }[] }>);
  await server.close();
  await rm(stateDir, { recursive: true, force: true });
  expect(left.items.map((s) => s.id)).toEqual([]);
}, 60_000);

describe('the server provider', () => {
  it('runs the Sandbox API through the server; the sandbox outlives the client', async () => {
    const provider = createServerProvider({ url: server.url, token: server.token });
    const sandbox = await Sandbox.create({
      provider,
      env: { GREETING: 'hello from the server' },
      labels: { suite: 'server-provider' },
      taskId: 'task-42',
    });
    let id = '';
    try {
      id = sandbox.id;
      const info = await sandbox.info();
      expect(info.provider).toBe('server');
      expect(info.taskId).toBe('task-42');
      expect(info.labels).toMatchObject({ suite: 'server-provider' });
      expect(info.metadata.server).toBe(new URL(server.url).origin);
      // the server-side provider's real isolation report, not a placeholder
      expect(['bubblewrap', 'unshare', 'gvisor']).toContain(info.isolation.level);
      expect(info.isolation.detail).not.toMatch(/^through /);

      // streamed output, in order, and the command's env
      const chunks: string[] = [];
      const result = await sandbox.commands.run(
        'echo "$GREETING"; for i in 1 2 3; do echo line $i; done; echo oops >&2; exit 3',
        { onStdout: (t) => chunks.push(t) },
      );
      expect(result.exitCode).toBe(3);
      expect(result.stdout).toBe('hello from the server\nline 1\nline 2\nline 3\n');
      expect(result.stderr).toBe('oops\n');
      expect(chunks.join('')).toBe(result.stdout);

      // files both ways, binary-safe, through the proxy's streamed bodies
      const bytes = new Uint8Array(256 * 1024).map((_, i) => (i * 7) % 256);
      await sandbox.files.write('data/blob.bin', bytes);
      const back = await sandbox.files.read('data/blob.bin', { format: 'bytes' });
      expect(Buffer.compare(Buffer.from(back), Buffer.from(bytes))).toBe(0);
      expect((await sandbox.files.list('data')).map((e) => e.name)).toEqual(['blob.bin']);

      // a background command fed through stdin
      const cat = await sandbox.commands.run('wc -l', { background: true });
      await cat.sendStdin('a\nb\nc\n');
      await cat.closeStdin();
      const counted = await cat.wait();
      expect(counted.stdout.trim()).toBe('3');

      // the client goes away; the sandbox is the server's and stays
      await provider.close();
      const again = createServerProvider({ url: server.url, token: server.token });
      const listed = await Sandbox.list({ provider: again, labels: { suite: 'server-provider' } });
      expect(listed.map((s) => s.id)).toEqual([id]);
      const reconnected = await Sandbox.connect(id, { provider: again });
      const read = await reconnected.commands.run('cat data/blob.bin | wc -c');
      expect(read.stdout.trim()).toBe(String(bytes.length));
      await reconnected.kill();
      expect(await again.get(id)).toBeUndefined();
      await again.close();
    } finally {
      if (id) await createServerProvider({ url: server.url, token: server.token }).delete(id);
    }
  }, 120_000);

  it('says what to do about a wrong token, a wrong URL and options a server cannot honour', async () => {
    const wrong = createServerProvider({ url: server.url, token: 'not-the-token' });
    const refused = await Sandbox.create({ provider: wrong }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AuthenticationError);
    expect((refused as Error).message).toMatch(/refused the token.*corral serve/);

    expect(() => createServerProvider({ url: 'localhost:7420', token: 't' })).toThrow(
      InvalidArgumentError,
    );
    expect(() => createServerProvider({ url: server.url, token: '' })).toThrow(/no server token/);

    const closed = createServerProvider({ url: 'http://127.0.0.1:9', token: 't' });
    const unreachable = await closed.list().catch((e: unknown) => e);
    expect(unreachable).toBeInstanceOf(ConnectionError);
    expect((unreachable as Error).message).toMatch(/cannot reach the Corral server.*corral serve/);

    const provider = createServerProvider({ url: server.url, token: server.token });
    await expect(provider.create({ id: 'mine' })).rejects.toThrow(/the server chooses sandbox ids/);
    await expect(provider.create({ readOnlyBinds: { x: '/etc' } })).rejects.toThrow(
      /readOnlyBinds/,
    );
    // a bad limit is the server's 400, naming the field
    await expect(provider.create({ limits: { cpus: -1 } })).rejects.toThrow(/cpus/);
  }, 60_000);
});
