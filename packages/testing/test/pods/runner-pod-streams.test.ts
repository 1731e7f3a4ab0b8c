/* eslint-disable @typescript-eslint/no-explicit-any -- tests read untyped status JSON */
/**
 * Exec (v5 and v4), port-forward and log options against one long-running runner pod, through
 * client-node's `Exec`, `PortForward` and `Log` used the idiomatic way.
 */
import { once } from 'node:events';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import { CoreV1Api, Exec, Log, PortForward, type V1Status } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeCluster } from '../../src/cluster.js';
import { podsPath, RUNNER_IMAGE, startRunnerCluster, waitFor } from './harness.js';

interface ExecResult {
  stdout: string;
  stderr: string;
  status: V1Status | undefined;
  closeCode: number;
}

function exec(c: FakeCluster, pod: string, command: string[], stdin?: string): Promise<ExecResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  let status: V1Status | undefined;
  const input = stdin === undefined ? null : Readable.from([Buffer.from(stdin)]);
  return new Exec(c.kubeConfig)
    .exec('default', pod, 'runner', command, stdout, stderr, input, false, (s) => (status = s))
    .then(
      (ws) =>
        new Promise<ExecResult>((resolve) => {
          ws.on('close', (code: number) =>
            resolve({ stdout: out, stderr: err, status, closeCode: code }),
          );
        }),
    );
}

async function startPod(c: FakeCluster, name: string): Promise<string> {
  await c.kubeConfig.makeApiClient(CoreV1Api).createNamespacedPod({
    namespace: 'default',
    body: {
      metadata: { name },
      spec: {
        containers: [
          {
            name: 'runner',
            image: RUNNER_IMAGE,
            ports: [{ containerPort: 8888 }],
            env: [{ name: 'CORRAL_RUNNER_MODE', value: 'serve' }],
            // exec goes through the runner's API: wait until it answers, as Corral's templates do
            readinessProbe: { httpGet: { path: '/healthz', port: 8888 }, periodSeconds: 1 },
          },
        ],
      },
    },
  });
  const pod = await waitFor(c.kubeConfig, podsPath(), name, (p: { status?: any }) =>
    ((p.status?.conditions ?? []) as { type?: string; status?: string }[]).some(
      (cond: { type?: string; status?: string }) => cond.type === 'Ready' && cond.status === 'True',
    ),
  );
  return pod.status.podIP as string;
}

describe('exec, port-forward and logs of a runner pod', () => {
  let cluster: FakeCluster;
  let podIP: string;

  beforeAll(async () => {
    cluster = await startRunnerCluster();
    podIP = await startPod(cluster, 'box');
  });
  afterAll(async () => {
    await cluster.stop();
  });

  it('execs over v5: output on its channels and a Success status', async () => {
    const result = await exec(cluster, 'box', ['sh', '-c', 'echo hi; echo oops >&2']);
    expect(result).toEqual({
      stdout: 'hi\n',
      stderr: 'oops\n',
      status: { metadata: {}, status: 'Success' },
      closeCode: 1000,
    });
    // the command ran inside the sandbox, in the runner's root
    // (`/work` in a bubblewrap or unshare sandbox; the host directory with isolation 'none')
    expect((await exec(cluster, 'box', ['pwd'])).stdout).toMatch(/\/work\n$/);
  });

  it('reports a non-zero exit as NonZeroExitCode with an ExitCode cause', async () => {
    const result = await exec(cluster, 'box', ['sh', '-c', 'exit 3']);
    expect(result.status).toMatchObject({
      status: 'Failure',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    });
  });

  it('forwards stdin and its v5 close frame', async () => {
    const result = await exec(cluster, 'box', ['cat'], 'line one\nline two\n');
    expect(result.stdout).toBe('line one\nline two\n');
    expect(result.status?.status).toBe('Success');
  });

  it('reports a command that cannot start as a Failure status', async () => {
    const result = await exec(cluster, 'box', ['/no/such/binary']);
    expect(result.status).toMatchObject({ status: 'Failure' });
    expect(result.status?.reason).toBe('InternalError');
    expect(result.status?.message).toContain('/no/such/binary');
  });

  it('sends only on the channels the client asked for', async () => {
    // client-node throws "Unknown stream: 2" (uncaught) on a frame for a stream passed as null
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (d: Buffer) => (out += d.toString()));
    let status: V1Status | undefined;
    const ws = await new Exec(cluster.kubeConfig).exec(
      'default',
      'box',
      'runner',
      ['sh', '-c', 'echo to-stderr >&2; echo to-stdout'],
      stdout,
      null,
      null,
      false,
      (s) => (status = s),
    );
    await once(ws, 'close');
    expect(out).toBe('to-stdout\n');
    expect(status?.status).toBe('Success');
  });

  it('refuses exec into an unknown pod before the upgrade', async () => {
    await expect(exec(cluster, 'nope', ['true'])).rejects.toThrow(/404/);
  });

  it('port-forwards to the runner through a local server', async () => {
    const forward = new PortForward(cluster.kubeConfig);
    const server: Server = createServer((socket) => {
      void forward.portForward('default', 'box', [8888], socket, null, socket).then((ws: any) => {
        // client-node does not end the local socket when the remote side closes
        ws.on('close', () => socket.destroy());
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const port = (server.address() as AddressInfo).port;
      for (let i = 0; i < 2; i++) {
        const res = await fetch(`http://127.0.0.1:${port}/healthz`, {
          headers: { connection: 'close' },
        });
        expect(res.status).toBe(200);
        expect(await res.json()).toMatchObject({ status: expect.any(String) });
      }
    } finally {
      server.close();
    }
    expect(podIP).toMatch(/^127\./);
  });

  it('reports a port nothing listens on through the error channel', async () => {
    const output = new PassThrough();
    const errors = new PassThrough();
    let errText = '';
    errors.on('data', (d: Buffer) => (errText += d.toString()));
    const input = new PassThrough();
    const ws: any = await new PortForward(cluster.kubeConfig).portForward(
      'default',
      'box',
      [9999],
      output,
      errors,
      input,
    );
    await once(ws, 'close');
    expect(errText).toMatch(/error forwarding port 9999 to pod box/);
    input.end();
  });

  it('serves the log with tailLines, timestamps and limitBytes', async () => {
    const read = async (options: object): Promise<string> => {
      const out = new PassThrough();
      let text = '';
      out.on('data', (d: Buffer) => (text += d.toString()));
      const done = once(out, 'finish');
      await new Log(cluster.kubeConfig).log('default', 'box', 'runner', out, options);
      await done;
      return text;
    };
    const all = await read({});
    expect(all).toContain('"msg":"listening"');
    const lastTwo = await read({ tailLines: 2 });
    expect(lastTwo.trimEnd().split('\n')).toEqual(all.trimEnd().split('\n').slice(-2));
    const stamped = await read({ tailLines: 1, timestamps: true });
    expect(stamped).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z \{/);
    expect(await read({ limitBytes: 5 })).toBe(all.slice(0, 5));
  });

  it('streams new log lines to a follower at once', async () => {
    const out = new PassThrough();
    let text = '';
    const seen = new Promise<void>((resolve) =>
      out.on('data', (d: Buffer) => {
        text += d.toString();
        if (text.includes('marker-42')) resolve();
      }),
    );
    const controller = await new Log(cluster.kubeConfig).log('default', 'box', 'runner', out, {
      follow: true,
      tailLines: 0,
    });
    // a serve-mode runner logs its task's output
    const accepted = await fetch(`http://${podIP}:8888/task`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ taskID: 't', message: 'm', command: 'echo marker-42' }),
    });
    expect(accepted.status).toBe(202);
    await Promise.race([
      seen,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`no marker in ${text}`)), 10_000),
      ),
    ]);
    controller.abort();
  });
});

describe('exec on a cluster without v5 (Kubernetes < 1.30), over TLS with a token', () => {
  it('negotiates v4 and still returns output and the status', async () => {
    const cluster = await startRunnerCluster({ execV5: false, tls: true, token: 't0ken' });
    try {
      await startPod(cluster, 'old');
      const result = await exec(cluster, 'old', ['sh', '-c', 'echo hi; exit 4']);
      expect(result.stdout).toBe('hi\n');
      expect(result.status).toMatchObject({
        reason: 'NonZeroExitCode',
        details: { causes: [{ reason: 'ExitCode', message: '4' }] },
      });
      const [record] = cluster.requests.filter({ path: /\/pods\/old\/exec$/ });
      expect(record).toMatchObject({ verb: 'get', status: 101 });
    } finally {
      await cluster.stop();
    }
  });
});
