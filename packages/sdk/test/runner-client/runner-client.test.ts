import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AbortedError,
  AuthenticationError,
  ConflictError,
  ConnectionError,
  InvalidArgumentError,
  NotFoundError,
  PathOutsideRootError,
} from '../../src/errors.js';
import { RunnerClient } from '../../src/runner-client/index.js';
import { startRunner, type StartedRunner } from '../../../runner/test/helpers.js';

for (const transport of ['unix socket', 'tcp'] as const) {
  describe(`RunnerClient over ${transport}`, () => {
    let runner: StartedRunner;
    let client: RunnerClient;
    beforeAll(async () => {
      runner = await startRunner({
        socket: transport === 'unix socket',
        env: { CORRAL_RUNNER_TOKEN: 'tok' },
      });
      client = new RunnerClient(
        'socketPath' in runner.target
          ? { baseUrl: 'http://localhost', socketPath: runner.target.socketPath, token: 'tok' }
          : {
              baseUrl: `http://127.0.0.1:${runner.target.port}`,
              token: 'tok',
              headers: { 'x-sandbox-id': 'sbx' },
            },
      );
    });
    afterAll(async () => {
      client.close();
      await runner.stop();
    });

    it('health, and auth failures as AuthenticationError', async () => {
      expect((await client.health()).status).toBe('ok');
      const wrong = new RunnerClient(
        'socketPath' in runner.target
          ? { baseUrl: 'http://localhost', socketPath: runner.target.socketPath, token: 'nope' }
          : { baseUrl: `http://127.0.0.1:${runner.target.port}`, token: 'nope' },
      );
      await expect(wrong.commands.list()).rejects.toBeInstanceOf(AuthenticationError);
      expect((await wrong.health()).status).toBe('ok');
      wrong.close();
    });

    it('runs commands: output, callbacks, exit codes as data, env/cwd/stdin, timeout', async () => {
      const seen: string[] = [];
      const result = await client.commands.run(['sh', '-c', 'echo out; echo err >&2; exit 3'], {
        onStdout: (t) => void seen.push(`o:${t}`),
        onStderr: (t) => void seen.push(`e:${t}`),
      });
      expect(result).toMatchObject({
        exitCode: 3,
        stdout: 'out\n',
        stderr: 'err\n',
        timedOut: false,
      });
      expect(seen.sort()).toEqual(['e:err\n', 'o:out\n']);
      await client.files.mkdir('work');
      const shell = await client.commands.run('printf "%s %s " "$X" "$(basename $(pwd))"; cat', {
        env: { X: 'y' },
        cwd: 'work',
        stdin: 'in',
      });
      expect(shell.stdout).toBe('y work in');
      const timed = await client.commands.run('sleep 30', { timeoutMs: 100 });
      expect(timed).toMatchObject({ timedOut: true, exitCode: null, signal: 'SIGKILL' });
      const binary = await client.commands.run(['cat'], { stdin: new Uint8Array([0, 255, 1]) });
      expect([...binary.stdoutBytes]).toEqual([0, 255, 1]);
      await expect(client.commands.run(['/no/such/program'])).rejects.toMatchObject({
        code: 'SPAWN_FAILED',
      });
      await expect(client.commands.run('true', { cwd: '../..' })).rejects.toBeInstanceOf(
        PathOutsideRootError,
      );
    });

    it('aborting a foreground command kills it', async () => {
      const controller = new AbortController();
      let pidText = '';
      const running = client.commands.run('echo $$; exec sleep 30', {
        signal: controller.signal,
        onStdout: (t) => {
          pidText += t;
          controller.abort();
        },
      });
      await expect(running).rejects.toBeInstanceOf(AbortedError);
      const pid = Number(pidText.trim());
      const infos = async () => (await client.commands.list()).find((c) => c.pid === pid);
      const handle = await client.commands.connect((await infos())!.id);
      expect((await handle.wait()).signal).toBe('SIGKILL');
    });

    it('stdout and stderr chunks carry one sequence number across both streams, in order', async () => {
      // each write waits for the previous chunk to be seen, so the order is the command's own
      const handle = await client.commands.run(
        ['sh', '-c', 'echo a; read x; echo b >&2; read x; echo c; read x; echo d >&2'],
        { background: true },
      );
      const seen: Array<{ type: string; text: string; seq: number }> = [];
      for await (const event of handle) {
        if (event.type !== 'stdout' && event.type !== 'stderr') continue;
        seen.push({ type: event.type, text: event.data.toString(), seq: event.seq });
        if (seen.length < 4) await handle.sendStdin('next\n');
      }
      expect(seen.map((e) => `${e.type}:${e.text}`)).toEqual([
        'stdout:a\n',
        'stderr:b\n',
        'stdout:c\n',
        'stderr:d\n',
      ]);
      // seq 0 is the start event; the output follows it without gaps
      expect(seen.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    });

    it('background commands: handle, stdin, iterator, reattach from a cursor, kill', async () => {
      const handle = await client.commands.run(['cat'], { background: true });
      expect(handle.pid).toBeGreaterThan(0);
      await handle.sendStdin('hello ');
      await handle.sendStdin(new Uint8Array(Buffer.from('world')));
      await handle.closeStdin();
      const result = await handle.wait();
      expect(result).toMatchObject({ exitCode: 0, stdout: 'hello world' });
      const types: string[] = [];
      for await (const event of handle) types.push(event.type);
      expect(types.at(-1)).toBe('exit');
      expect((await client.commands.list()).map((c) => c.id)).toContain(handle.id);

      const looper = await client.commands.run('for i in 1 2 3; do echo tick $i; done; sleep 30', {
        background: true,
      });
      const first = await client.commands.connect(looper.id);
      const chunks: string[] = [];
      for await (const event of first) {
        if (event.type === 'stdout') chunks.push(event.data.toString());
        if (chunks.join('').includes('tick 3')) break;
      }
      first.disconnect();
      await expect(first.wait()).rejects.toBeInstanceOf(AbortedError);
      const info = await client.commands.get(looper.id);
      const again = await client.commands.connect(looper.id, { cursor: info.nextSeq });
      expect(await looper.kill('SIGTERM')).toBe(true);
      const end = await again.wait();
      expect(end).toMatchObject({ signal: 'SIGTERM', stdout: '' });
      expect(await looper.kill()).toBe(false);
      await expect(client.commands.connect('missing')).rejects.toBeInstanceOf(NotFoundError);
    });

    it('files: text, bytes, stream, range, mode, list, stat, exists, mkdir, remove', async () => {
      const stat = await client.files.write('dir/a.txt', 'héllo', { mode: 0o600 });
      expect(stat).toMatchObject({ path: 'dir/a.txt', size: 6, mode: '0600' });
      expect(await client.files.read('dir/a.txt')).toBe('héllo');
      expect(
        await client.files.read('dir/a.txt', { range: { offset: 1, length: 2 }, format: 'bytes' }),
      ).toEqual(new Uint8Array(Buffer.from('é')));
      const bytes = new Uint8Array([0, 1, 2, 255]);
      await client.files.write('dir/b.bin', bytes);
      expect(await client.files.read('dir/b.bin', { format: 'bytes' })).toEqual(bytes);
      await client.files.write(
        'dir/c.txt',
        Readable.from([Buffer.from('str'), Buffer.from('eam')]),
      );
      await client.files.write('dir/d.txt', new Blob(['web']).stream());
      const stream = await client.files.read('dir/c.txt', { format: 'stream' });
      const parts: Buffer[] = [];
      for await (const c of stream) parts.push(c as Buffer);
      expect(Buffer.concat(parts).toString()).toBe('stream');
      expect(await client.files.read('dir/d.txt')).toBe('web');
      expect((await client.files.list('dir')).map((e) => e.name)).toEqual([
        'a.txt',
        'b.bin',
        'c.txt',
        'd.txt',
      ]);
      expect((await client.files.stat('dir')).type).toBe('directory');
      expect(await client.files.exists('dir/a.txt')).toBe(true);
      expect(await client.files.exists('dir/zzz')).toBe(false);
      await expect(client.files.exists('../x')).rejects.toBeInstanceOf(PathOutsideRootError);
      await expect(client.files.read('/etc/passwd')).rejects.toBeInstanceOf(PathOutsideRootError);
      await expect(client.files.read('nope')).rejects.toBeInstanceOf(NotFoundError);
      await expect(
        client.files.read('dir/a.txt', { range: { offset: 100 } }),
      ).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(client.files.remove('dir')).rejects.toBeInstanceOf(ConflictError);
      await client.files.remove('dir', { recursive: true });
      expect(await client.files.exists('dir')).toBe(false);
    });

    it('moves 100 MB through the runner intact', async () => {
      const chunk = randomBytes(1024 * 1024);
      const source = Readable.from(
        (function* () {
          for (let i = 0; i < 100; i++) yield chunk;
        })(),
      );
      const expected = createHash('sha256');
      for (let i = 0; i < 100; i++) expected.update(chunk);
      const stat = await client.files.write('big.bin', source);
      expect(stat.size).toBe(100 * 1024 * 1024);
      const hash = createHash('sha256');
      for await (const c of await client.files.read('big.bin', { format: 'stream' }))
        hash.update(c as Buffer);
      expect(hash.digest('hex')).toBe(expected.digest('hex'));
      await client.files.remove('big.bin');
    });

    it('tasks: submit, conflict, wait without polling, get', async () => {
      const waiting = client.tasks.wait({ timeoutMs: 20_000 });
      expect(
        await client.tasks.submit({ taskID: 't', message: 'm', command: 'echo done' }),
      ).toEqual({ status: 'accepted' });
      await expect(client.tasks.submit({ taskID: 'u', message: 'm' })).rejects.toBeInstanceOf(
        ConflictError,
      );
      const result = await waiting;
      expect(result).toMatchObject({ exitCode: 0, stdoutTail: 'done\n' });
      expect((await client.tasks.get()).state).toBe('exited');
      await expect(client.tasks.submit({ taskID: '', message: 'm' })).rejects.toBeInstanceOf(
        InvalidArgumentError,
      );
    });

    it('every call takes a signal', async () => {
      const aborted = AbortSignal.abort();
      await expect(client.health({ signal: aborted })).rejects.toBeInstanceOf(AbortedError);
      await expect(client.files.list('', { signal: aborted })).rejects.toBeInstanceOf(AbortedError);
      await expect(client.tasks.get({ signal: aborted })).rejects.toBeInstanceOf(AbortedError);
      await expect(client.commands.run('true', { signal: aborted })).rejects.toBeInstanceOf(
        AbortedError,
      );
    });
  });
}

describe('RunnerClient failures', () => {
  it('tasks.wait times out with TimeoutError, and a dead runner gives ConnectionError', async () => {
    const runner = await startRunner();
    const client = new RunnerClient({
      baseUrl: `http://127.0.0.1:${(runner.target as { port: number }).port}`,
    });
    await client.tasks.submit({ taskID: 't', message: 'm', command: 'sleep 30' });
    await expect(client.tasks.wait({ timeoutMs: 150 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    await runner.stop();
    const error = await client.health().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).retryable).toBe(true);
    client.close();
  });
});
