import { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';
import type { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { PortForwardServer } from '../../src/kubernetes/index.js';
import type { PortForwarder } from '../../src/kubernetes/port-forward.js';
import { startEnv, type Env } from './fixtures.js';

class FakeWs extends EventEmitter {
  closed = false;
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close');
  }
}

/** Echoes upper-cased input back, like a pod that shouts; records each tunnel. */
function shoutingForwarder() {
  const sessions: { pod: string; port: number; ws: FakeWs }[] = [];
  const forwarder: PortForwarder = {
    portForward(_ns, pod, ports, output, _err, input) {
      const ws = new FakeWs();
      sessions.push({ pod, port: ports[0]!, ws });
      input.on('data', (chunk: Buffer) => output.write(chunk.toString().toUpperCase()));
      return Promise.resolve(ws);
    },
  };
  return { forwarder, sessions };
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

function closed(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) resolve();
    else socket.once('close', () => resolve());
  });
}

function firstData(socket: Socket): Promise<string> {
  return new Promise((resolve) => socket.once('data', (d: Buffer) => resolve(d.toString())));
}

const kubeConfig = {} as KubeConfig;
let env: Env | undefined;

afterEach(async () => {
  if (env !== undefined) {
    expect(env.claims()).toEqual([]);
    await env.stop();
  }
  env = undefined;
});

describe('PortForwardServer', () => {
  it('opens one tunnel per connection and carries bytes both ways', async () => {
    const { forwarder, sessions } = shoutingForwarder();
    const server = await PortForwardServer.start({
      kubeConfig,
      namespace: 'ns',
      pod: 'pod-a',
      port: 8888,
      forwarder,
    });
    expect(server.url).toBe(`http://127.0.0.1:${server.localPort}`);
    const a = await open(server.localPort);
    const b = await open(server.localPort);
    a.write('hello');
    expect(await firstData(a)).toBe('HELLO');
    b.write('again');
    expect(await firstData(b)).toBe('AGAIN');
    expect(sessions.map((s) => [s.pod, s.port])).toEqual([
      ['pod-a', 8888],
      ['pod-a', 8888],
    ]);
    await server.close();
    await Promise.all([closed(a), closed(b)]);
    expect(sessions.every((s) => s.ws.closed)).toBe(true);
    await expect(open(server.localPort)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('ends the local socket when the tunnel closes, and the tunnel when the socket closes', async () => {
    const { forwarder, sessions } = shoutingForwarder();
    const server = await PortForwardServer.start({
      kubeConfig,
      namespace: 'ns',
      pod: 'p',
      port: 1,
      forwarder,
    });
    const a = await open(server.localPort);
    a.write('x');
    await firstData(a);
    sessions[0]!.ws.close();
    await closed(a);
    const b = await open(server.localPort);
    b.write('y');
    await firstData(b);
    b.destroy();
    await new Promise<void>((resolve) => sessions[1]!.ws.once('close', () => resolve()));
    expect(server.connectionCount).toBe(0);
    await server.close();
  });

  it('drops the connection when the tunnel cannot be opened; retarget switches pods', async () => {
    let fail = true;
    const pods: string[] = [];
    const forwarder: PortForwarder = {
      portForward(_ns, pod) {
        pods.push(pod);
        return fail
          ? Promise.reject(new Error('Unexpected server response: 404'))
          : Promise.resolve(new FakeWs());
      },
    };
    const server = await PortForwardServer.start({
      kubeConfig,
      namespace: 'ns',
      pod: 'old',
      port: 1,
      forwarder,
    });
    await closed(await open(server.localPort));
    fail = false;
    server.retarget('new');
    const s = await open(server.localPort);
    await new Promise((resolve) => setImmediate(resolve));
    expect(pods).toEqual(['old', 'new']);
    s.destroy();
    await server.close();
  });
});

describe('port-forward connection mode', () => {
  it('gives each sandbox a local port, closed by delete', async () => {
    env = await startEnv();
    const provider = env.provider({ connection: { mode: 'port-forward' } });
    expect(provider.connectionMode).toBe('port-forward');
    const { info, endpoint } = await provider.create({});
    const url = new URL(endpoint.baseUrl);
    expect(url.hostname).toBe('127.0.0.1');
    // A simulated pod runs nothing to forward to: the tunnel fails and the local connection is
    // dropped rather than left hanging.
    await closed(await open(Number(url.port)));
    const again = await provider.get(info.id);
    expect(again?.endpoint.baseUrl).toBe(endpoint.baseUrl);
    await provider.delete(info.id);
    await expect(open(Number(url.port))).rejects.toThrow(/ECONNREFUSED/);
  });

  it('close() closes every port-forward', async () => {
    env = await startEnv();
    const provider = env.provider({ connection: { mode: 'port-forward' } });
    const { info, endpoint } = await provider.create({});
    await provider.close();
    await expect(open(Number(new URL(endpoint.baseUrl).port))).rejects.toThrow(/ECONNREFUSED/);
    await env.provider().delete(info.id);
  });
});
