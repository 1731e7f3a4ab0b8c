import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AbortedError,
  CorralError,
  createLocalProvider,
  InvalidArgumentError,
  registerProvider,
  Sandbox,
  SandboxNotFoundError,
} from '@corral/sdk';
import type { LocalProvider, SandboxProvider } from '@corral/sdk';

let stateDir: string;
let provider: LocalProvider;

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'corral-facade-'));
  provider = createLocalProvider({ stateDir });
});

afterAll(async () => {
  // Nothing made here may outlive the suite.
  expect(await provider.list()).toEqual([]);
  await provider.close();
  await Sandbox.shutdown();
  await rm(stateDir, { recursive: true, force: true });
});

async function sandboxDirs(): Promise<string[]> {
  return (await readdir(stateDir)).filter((name) => name.startsWith('sbx-'));
}

describe('Sandbox (local provider)', () => {
  it('creates, runs, round-trips files, reports info, and kill leaves nothing behind', async () => {
    const sandbox = await Sandbox.create({
      provider,
      network: 'none',
      env: { GREETING: 'hi' },
      labels: { suite: 'facade' },
    });
    try {
      const result = await sandbox.commands.run([
        'sh',
        '-c',
        'echo "$GREETING"; echo oops >&2; exit 7',
      ]);
      expect(result).toMatchObject({ exitCode: 7, stdout: 'hi\n', stderr: 'oops\n' });

      await sandbox.files.write('dir/data.bin', new Uint8Array([0, 1, 2, 255]));
      expect([...(await sandbox.files.read('dir/data.bin', { format: 'bytes' }))]).toEqual([
        0, 1, 2, 255,
      ]);
      expect(await sandbox.files.exists('dir/missing')).toBe(false);

      const info = await sandbox.info();
      expect(info).toMatchObject({
        id: sandbox.id,
        provider: 'local',
        state: 'running',
        labels: { suite: 'facade' },
      });
      expect(info.isolation.network).toEqual({ mode: 'none' });
      expect(['bubblewrap', 'unshare']).toContain(info.isolation.level);
      expect(info.isolation.limitsApplied).toBeTypeOf('object');
    } finally {
      await sandbox.kill();
    }
    await sandbox.kill(); // idempotent
    expect(await Sandbox.list({ provider })).toEqual([]);
    expect(await sandboxDirs()).toEqual([]);
    await expect(sandbox.info()).rejects.toBeInstanceOf(SandboxNotFoundError);
  });

  it('runs the task protocol: submit, then wait for the result', async () => {
    await using sandbox = await Sandbox.create({ provider });
    await sandbox.tasks.submit({
      taskID: 't-1',
      message: 'hello',
      command: 'echo "task says $CORRAL_TASK_MESSAGE"',
    });
    const result = await sandbox.tasks.wait();
    expect(result).toMatchObject({ exitCode: 0, timedOut: false });
    expect(result.stdoutTail).toContain('hello');
    expect((await sandbox.tasks.get()).state).toBe('exited');
  });

  it('connects a second Sandbox object by id and lists by label', async () => {
    await using first = await Sandbox.create({ provider, labels: { role: 'first' } });
    await first.files.write('note.txt', 'from the first object');

    const second = await Sandbox.connect(first.id, { provider });
    expect(second.id).toBe(first.id);
    expect(await second.files.read('note.txt')).toBe('from the first object');

    const listed = await Sandbox.list({ provider, labels: { role: 'first' } });
    expect(listed.map((info) => info.id)).toEqual([first.id]);
    expect(await Sandbox.list({ provider, labels: { role: 'nobody' } })).toEqual([]);

    await second.kill();
    await expect(Sandbox.connect(first.id, { provider })).rejects.toBeInstanceOf(
      SandboxNotFoundError,
    );
  });

  it('kills the sandbox when an `await using` scope ends', async () => {
    let id = '';
    {
      await using sandbox = await Sandbox.create({ provider });
      id = sandbox.id;
      expect((await Sandbox.list({ provider })).map((info) => info.id)).toContain(id);
    }
    expect(await provider.get(id)).toBeUndefined();
    expect(await sandboxDirs()).toEqual([]);
  });

  it('deletes the half-made sandbox when the runner health check fails', async () => {
    const deleted: string[] = [];
    // The real provider, but with an endpoint nobody listens on: provisioning succeeds, health fails.
    const broken: SandboxProvider = {
      name: 'broken',
      capabilities: () => provider.capabilities(),
      create: async (options) => {
        const made = await provider.create(options);
        return {
          ...made,
          endpoint: { ...made.endpoint, socketPath: join(stateDir, 'nobody-listens.sock') },
        };
      },
      get: (id, options) => provider.get(id, options),
      list: (options) => provider.list(options),
      delete: async (id, options) => {
        deleted.push(id);
        await provider.delete(id, options);
      },
      close: async () => {},
    };
    await expect(Sandbox.create({ provider: broken })).rejects.toBeInstanceOf(CorralError);
    expect(deleted).toHaveLength(1);
    expect(await provider.list()).toEqual([]);
    expect(await sandboxDirs()).toEqual([]);
  });

  it('refuses bad options before provisioning anything', async () => {
    await expect(Sandbox.create({ provider, network: { allow: [] } })).rejects.toThrow(
      /network.allow is empty/,
    );
    await expect(
      Sandbox.create({ provider, network: { allow: ['not a domain'] } }),
    ).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(Sandbox.create({ provider, timeoutMs: -1 })).rejects.toThrow(
      /timeoutMs must be a positive/,
    );
    await expect(Sandbox.create({ provider, limits: { cpus: 0 } })).rejects.toThrow(/limits.cpus/);
    await expect(Sandbox.create({ provider, signal: AbortSignal.abort() })).rejects.toBeInstanceOf(
      AbortedError,
    );
    expect(await sandboxDirs()).toEqual([]);
  });
});

describe('provider registry', () => {
  it('resolves "kubernetes" lazily and says when no cluster configuration exists', async () => {
    const saved = { ...process.env };
    process.env.HOME = await mkdtemp(join(tmpdir(), 'corral-nohome-'));
    process.env.KUBECONFIG = '';
    delete process.env.KUBERNETES_SERVICE_HOST;
    try {
      const error = await Sandbox.create({ provider: 'kubernetes' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CorralError);
      expect(error).toMatchObject({ code: 'CONFIG_NOT_FOUND' });
      expect((error as Error).message).toMatch(/kubeconfig|KUBECONFIG/i);
    } finally {
      process.env = saved;
    }
  });

  it('names the registered providers for an unknown name', async () => {
    await expect(Sandbox.list({ provider: 'nope' })).rejects.toThrow(
      /Use one of: local, kubernetes/,
    );
  });

  it('shares one lazily made instance per name until shutdown', async () => {
    let made = 0;
    registerProvider('test-shared', () => {
      made += 1;
      return createLocalProvider({ stateDir });
    });
    expect(made).toBe(0);
    await Sandbox.list({ provider: 'test-shared' });
    await Sandbox.list({ provider: 'test-shared' });
    expect(made).toBe(1);
    await Sandbox.shutdown();
    await Sandbox.list({ provider: 'test-shared' });
    expect(made).toBe(2);
  });
});
