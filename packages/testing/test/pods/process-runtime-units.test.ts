/* eslint-disable @typescript-eslint/no-explicit-any -- tests read untyped status JSON */
/**
 * The pieces of the process runtime that need no process: the kubelet's handling of containers
 * that exit on their own, the log buffer, the loopback allocator and the runner spec mapping.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/clock.js';
import { agentCacheImages, parseAgentImage } from '../../src/kubelet/agent-image.js';
import { ContainerLog } from '../../src/kubelet/container-log.js';
import { startKubelet, type Kubelet, type PodRuntime } from '../../src/kubelet/index.js';
import { LoopbackAllocator } from '../../src/kubelet/loopback-allocator.js';
import { isCorralRunnerContainer, runnerLaunchSpec } from '../../src/kubelet/runner-pod-spec.js';
import type { ContainerExit } from '../../src/kubelet/runtime.js';
import { formatLogTimestamp, parseLogQuery } from '../../src/server/pod-log-stream.js';
import { createObjectStore, type FakeObjectStore } from '../../src/store/index.js';
import type { KubeObject } from '../../src/store/types.js';

const PODS = { group: '', version: 'v1', resource: 'pods' };
const NS = 'default';

function pod(name: string, container: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, uid: `uid-${name}` },
    spec: {
      restartPolicy: 'Never',
      containers: [{ name: 'main', image: 'busybox', ...container }],
    },
  };
}

describe('kubelet: containers that exit on their own', () => {
  let kubelet: Kubelet;
  let store: FakeObjectStore;
  const clock = createManualClock();
  afterEach(async () => {
    await kubelet.stop();
  });
  const idle = async () => {
    for (let i = 0; i < 5; i++) await kubelet.whenIdle();
  };
  const status = (name: string): any => store.get(PODS, NS, name)!.status;

  it('writes Succeeded/Failed with the exit code, and calls remove and close', async () => {
    store = createObjectStore({ clock });
    const exits = new Map<string, (exit: ContainerExit) => void>();
    const calls: string[] = [];
    const runtime: PodRuntime = {
      start: (p) =>
        Promise.resolve({
          podIP: '127.0.9.9',
          exited: new Promise<ContainerExit>((resolve) => exits.set(p.metadata.name!, resolve)),
        }),
      stop: (p) => {
        calls.push(`stop ${p.metadata.name}`);
        return Promise.resolve();
      },
      remove: (p) => {
        calls.push(`remove ${p.metadata.name}`);
        return Promise.resolve();
      },
      close: () => {
        calls.push('close');
        return Promise.resolve();
      },
    };
    kubelet = startKubelet(store, { clock, startDelayMs: 0, runtime });
    for (const name of ['ok', 'bad', 'forced']) store.create(PODS, pod(name));
    await idle();
    expect(status('ok').phase).toBe('Running');
    exits.get('ok')!({ exitCode: 0 });
    exits.get('bad')!({ exitCode: 3 });
    kubelet.failPod(NS, 'forced', { exitCode: 137, reason: 'OOMKilled' });
    await idle();
    // an exit reported after the kubelet terminated the pod itself changes nothing
    exits.get('forced')!({ exitCode: 143 });
    await idle();
    expect(status('ok').phase).toBe('Succeeded');
    expect(status('ok').containerStatuses[0].state.terminated).toMatchObject({
      exitCode: 0,
      reason: 'Completed',
    });
    expect(status('bad').phase).toBe('Failed');
    expect(status('bad').containerStatuses[0].state.terminated).toMatchObject({
      exitCode: 3,
      reason: 'Error',
    });
    expect(status('forced').containerStatuses[0].state.terminated.exitCode).toBe(137);
    store.delete(PODS, NS, 'ok');
    await idle();
    await kubelet.stop();
    expect(calls).toEqual(['stop forced', 'stop ok', 'stop bad', 'remove ok', 'close']);
  });
});

describe('container log', () => {
  it('splits streams into lines, drops the oldest past its bound, and ends followers', () => {
    let t = 1000;
    const log = new ContainerLog(16, () => t++);
    const seen: string[] = [];
    let closed = false;
    log.follow(
      (l) => seen.push(l.text),
      () => (closed = true),
    );
    log.write('stdout', 'one\ntw');
    log.write('stderr', 'err\n');
    log.write('stdout', 'o\nthree');
    expect(seen).toEqual(['one\n', 'err\n', 'two\n']);
    log.close();
    expect(closed).toBe(true);
    // an unterminated last line is flushed on close
    expect(seen).toEqual(['one\n', 'err\n', 'two\n', 'three']);
    // 16 bytes: 'one\n' was dropped
    expect(log.text()).toBe('err\ntwo\nthree');
    expect(log.snapshot().map((l) => l.timeMs)).toEqual([1001, 1002, 1003]);
  });

  it('parses log options and formats timestamps as RFC3339Nano', () => {
    const url = new URL(
      'http://x/log?follow=true&tailLines=3&limitBytes=10&sinceSeconds=5&timestamps=true',
    );
    expect(parseLogQuery(url, 10_000)).toEqual({
      follow: true,
      timestamps: true,
      tailLines: 3,
      limitBytes: 10,
      sinceMs: 5_000,
    });
    expect(() => parseLogQuery(new URL('http://x/log?tailLines=-1'))).toThrow(/tailLines/);
    expect(formatLogTimestamp(Date.UTC(2025, 0, 2, 3, 4, 5, 120))).toBe('2025-01-02T03:04:05.12Z');
    expect(formatLogTimestamp(Date.UTC(2025, 0, 2, 3, 4, 5, 0))).toBe('2025-01-02T03:04:05Z');
  });
});

describe('loopback allocator', () => {
  it('hands out the lowest free address, skips unusable ones and reuses released ones', async () => {
    const ips = new LoopbackAllocator('127.0.5.1');
    expect(await ips.allocate()).toBe('127.0.5.1');
    expect(await ips.allocate((ip) => Promise.resolve(ip !== '127.0.5.2'))).toBe('127.0.5.3');
    expect(await ips.allocate()).toBe('127.0.5.2');
    ips.release('127.0.5.1');
    expect(ips.inUse()).toEqual(['127.0.5.2', '127.0.5.3']);
    expect(await ips.allocate()).toBe('127.0.5.1');
    expect(() => new LoopbackAllocator('10.0.0.1')).toThrow(/127\.0\.0\.0\/8/);
  });

  it('binds any 127/8 address without setup', async () => {
    const server = createServer();
    server.listen(0, '127.0.5.77');
    await once(server, 'listening');
    server.close();
  });
});

describe('runner pod spec', () => {
  it('recognises runner containers by image or command', () => {
    const c = (image: string, command: string[] = []) => ({
      name: 'c',
      image,
      command,
      args: [],
      env: [],
      ports: [],
    });
    expect(isCorralRunnerContainer(c('ghcr.io/corral-dev/runner:0.1.0'), pod('x'))).toBe(true);
    expect(isCorralRunnerContainer(c('node:22', ['node', '/app/runner.mjs']), pod('x'))).toBe(true);
    expect(isCorralRunnerContainer(c('python:3.12'), pod('x'))).toBe(false);
  });

  it('maps env, flags and the port; address flags are the runtime’s', () => {
    const spec = runnerLaunchSpec(
      pod('r', {
        image: 'node:22',
        command: ['node', '/app/runner.mjs'],
        args: ['--mode', 'serve', '--port=9000', '--host', '0.0.0.0', '--max-body-bytes', '10'],
        env: [
          { name: 'CORRAL_RUNNER_TOKEN', value: 's3cret' },
          { name: 'CORRAL_RUNNER_SOCKET', value: '/x' },
          { name: 'FROM_SECRET', valueFrom: { secretKeyRef: { name: 'a', key: 'b' } } },
        ],
        ports: [{ containerPort: 8888 }],
      }),
      undefined,
      (namespace, name, key) =>
        `${namespace}/${name}` === 'default/a' && key === 'b' ? 'from-the-secret' : undefined,
    );
    expect(spec).toEqual({
      container: 'main',
      image: 'node:22',
      port: 9000,
      env: { CORRAL_RUNNER_TOKEN: 's3cret', FROM_SECRET: 'from-the-secret' },
      flags: ['--mode', 'serve', '--max-body-bytes', '10'],
      token: 's3cret',
    });
    expect(runnerLaunchSpec(pod('plain'))).toBeUndefined();
  });

  it('a secretKeyRef to a missing Secret or key fails the start, unless optional', () => {
    const withRef = (optional?: boolean) =>
      pod('r', {
        image: 'node:22',
        command: ['node', '/app/runner.mjs'],
        env: [
          {
            name: 'KEY',
            valueFrom: {
              secretKeyRef: { name: 'gone', key: 'k', ...(optional ? { optional } : {}) },
            },
          },
        ],
      });
    expect(() => runnerLaunchSpec(withRef(), undefined, () => undefined)).toThrow(
      'env KEY refers to key "k" of Secret default/gone, which does not exist (CreateContainerConfigError)',
    );
    expect(runnerLaunchSpec(withRef(true), undefined, () => undefined)?.env).toEqual({});
  });

  it('agent images name a profile and version; the cache stands in for the image', async () => {
    expect(parseAgentImage('ghcr.io/corral-dev/runner-claude-code:2.1.332')).toEqual({
      profile: 'claude-code',
      version: '2.1.332',
    });
    expect(parseAgentImage('ghcr.io/corral-dev/runner:0.1.0')).toBeUndefined();
    const cache = await mkdtemp(join(tmpdir(), 'corral-agent-cache-'));
    try {
      await mkdir(join(cache, 'codex@0.171.0'));
      await writeFile(join(cache, 'codex@0.171.0', '.corral-installed'), '');
      const resolve = agentCacheImages(cache);
      expect(resolve('ghcr.io/corral-dev/runner-codex:0.171.0')).toBe(join(cache, 'codex@0.171.0'));
      expect(resolve('node:22-slim')).toBeUndefined();
      expect(() => resolve('ghcr.io/corral-dev/runner-claude-code:9.9.9')).toThrow(
        'claude-code@9.9.9 is not in',
      );
    } finally {
      await rm(cache, { recursive: true, force: true });
    }
  });
});
