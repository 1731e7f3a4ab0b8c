import { EventEmitter } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import type { KubeConfig, V1Status } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AbortedError,
  ConnectionError,
  InvalidArgumentError,
  TimeoutError,
} from '../../src/errors.js';
import type { CorralError } from '../../src/errors.js';
import { execInPod, exitCodeOf, type Executor } from '../../src/kubernetes/exec.js';
import { startEnv, type Env } from './fixtures.js';

class FakeWs extends EventEmitter {
  closed = false;
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close');
  }
}

interface Script {
  stdout?: string;
  stderr?: string;
  status?: V1Status;
  /** Close the socket without a status (pod deleted mid-exec). */
  dropWithoutStatus?: boolean;
  /** Never finish. */
  hang?: boolean;
}

function fakeExecutor(script: Script) {
  const calls: { command: string[]; stdin: string | undefined; ws: FakeWs }[] = [];
  const executor: Executor = {
    async exec(
      _ns,
      _pod,
      _container,
      command,
      stdout: Writable,
      stderr: Writable,
      stdin: Readable | null,
      _tty,
      statusCallback,
    ) {
      const ws = new FakeWs();
      let input: string | undefined;
      if (stdin !== null) {
        input = '';
        for await (const chunk of stdin) input += String(chunk);
      }
      calls.push({ command, stdin: input, ws });
      setImmediate(() => {
        if (script.hang === true) return;
        if (script.stdout !== undefined) stdout.write(script.stdout);
        if (script.stderr !== undefined) stderr.write(script.stderr);
        if (script.dropWithoutStatus === true) {
          ws.close();
          return;
        }
        statusCallback(script.status ?? { status: 'Success' });
        ws.close();
      });
      return ws;
    },
  };
  return { executor, calls };
}

const kc = {} as KubeConfig;
const target = { namespace: 'ns', pod: 'p', container: 'c' };

describe('execInPod', () => {
  it('collects stdout and stderr and reads exit 0 from a Success status', async () => {
    const { executor, calls } = fakeExecutor({ stdout: 'out', stderr: 'err' });
    const result = await execInPod(kc, target, ['cat'], { stdin: 'data in' }, executor);
    expect(result).toEqual({ exitCode: 0, stdout: 'out', stderr: 'err' });
    expect(calls[0]).toMatchObject({ command: ['cat'], stdin: 'data in' });
  });

  it('reads a non-zero exit code from the NonZeroExitCode status', async () => {
    const status: V1Status = {
      status: 'Failure',
      reason: 'NonZeroExitCode',
      message: 'command terminated with non-zero exit code: 3',
      details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    };
    const { executor } = fakeExecutor({ stderr: 'boom', status });
    expect(await execInPod(kc, target, ['false'], {}, executor)).toEqual({
      exitCode: 3,
      stdout: '',
      stderr: 'boom',
    });
  });

  it('a close without status is a ConnectionError; another Failure is EXEC_FAILED', async () => {
    const dropped = fakeExecutor({ dropWithoutStatus: true });
    await expect(execInPod(kc, target, ['x'], {}, dropped.executor)).rejects.toBeInstanceOf(
      ConnectionError,
    );
    const failed = fakeExecutor({
      status: { status: 'Failure', reason: 'InternalError', message: 'no such file' },
    });
    const error = await execInPod(kc, target, ['x'], {}, failed.executor).catch((e: unknown) => e);
    expect((error as CorralError).code).toBe('EXEC_FAILED');
    expect((error as CorralError).message).toMatch(/no such file/);
  });

  it('timeout and abort close the stream', async () => {
    const slow = fakeExecutor({ hang: true });
    await expect(
      execInPod(kc, target, ['sleep'], { timeoutMs: 20 }, slow.executor),
    ).rejects.toBeInstanceOf(TimeoutError);
    expect(slow.calls[0]?.ws.closed).toBe(true);
    const controller = new AbortController();
    const pending = execInPod(kc, target, ['sleep'], { signal: controller.signal }, slow.executor);
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(AbortedError);
    expect(slow.calls[1]?.ws.closed).toBe(true);
  });

  it('exitCodeOf', () => {
    expect(exitCodeOf({ status: 'Success' })).toBe(0);
    expect(exitCodeOf({ status: 'Failure', reason: 'InternalError' })).toBeUndefined();
  });
});

let env: Env | undefined;
afterEach(async () => {
  if (env !== undefined) {
    expect(env.claims()).toEqual([]);
    await env.stop();
  }
  env = undefined;
});

describe('provider.exec against the fake cluster', () => {
  it('finds the pod and its first container; a refused upgrade is EXEC_FAILED', async () => {
    env = await startEnv();
    const provider = env.provider();
    const { info } = await provider.create({});
    await expect(provider.exec(info.id, [])).rejects.toBeInstanceOf(InvalidArgumentError);
    const error = await provider.exec(info.id, ['true']).catch((e: unknown) => e);
    expect((error as CorralError).code).toBe('EXEC_FAILED');
    expect(
      env.cluster.requests.all().some((r) => r.path.endsWith(`/pods/${info.metadata.podName}`)),
    ).toBe(true);
    await provider.delete(info.id);
  });
});
