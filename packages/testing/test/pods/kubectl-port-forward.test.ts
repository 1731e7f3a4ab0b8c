/**
 * Real `kubectl port-forward` (both of its protocols) against a runner pod of the fake cluster:
 * an HTTP request through the forwarded port reaches the runner, and kubectl exits cleanly on
 * SIGINT. kubectl 1.31+ tunnels SPDY through a WebSocket by default and falls back to plain SPDY;
 * `KUBECTL_PORT_FORWARD_WEBSOCKETS=false` makes it start with SPDY.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeCluster } from '../../src/cluster.js';
import { podsPath, RUNNER_IMAGE, startRunnerCluster, waitFor } from './harness.js';

const KUBECTL = ['/usr/bin/kubectl', '/usr/local/bin/kubectl'].find((p) => existsSync(p));

interface Forward {
  child: ChildProcess;
  localPort: number;
  stderr: () => string;
}

/** Starts `kubectl port-forward` and resolves once it prints the local port it listens on. */
function startForward(
  env: NodeJS.ProcessEnv,
  target: string,
  remotePort: number,
): Promise<Forward> {
  const child = spawn(KUBECTL!, ['port-forward', target, `0:${remotePort}`], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Forwarding from 127\.0\.0\.1:(\d+) ->/.exec(out);
      if (m) resolve({ child, localPort: Number(m[1]), stderr: () => err });
    });
    child.once('exit', (code) =>
      reject(new Error(`kubectl port-forward exited (${code}) before forwarding: ${err}`)),
    );
  });
}

/** One HTTP GET on its own connection (closed afterwards, so kubectl's stream pair ends too). */
function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, headers: { connection: 'close' }, agent: false },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

// kubectl is a system binary, not an npm dependency; machines without it skip these tests.
describe.skipIf(KUBECTL === undefined)(
  'kubectl port-forward to a runner pod (skipped when kubectl is not installed)',
  () => {
    let cluster: FakeCluster;
    let dir: string;
    let env: NodeJS.ProcessEnv;

    beforeAll(async () => {
      cluster = await startRunnerCluster();
      dir = mkdtempSync(join(tmpdir(), 'corral-kpf-'));
      await cluster.writeKubeconfig(join(dir, 'config'));
      env = {
        ...process.env,
        KUBECONFIG: join(dir, 'config'),
        HOME: dir,
        KUBECACHEDIR: join(dir, 'cache'),
      };
      await cluster.kubeConfig.makeApiClient(CoreV1Api).createNamespacedPod({
        namespace: 'default',
        body: {
          metadata: { name: 'pf' },
          spec: {
            containers: [
              {
                name: 'runner',
                image: RUNNER_IMAGE,
                ports: [{ containerPort: 8888 }],
                env: [{ name: 'CORRAL_RUNNER_MODE', value: 'serve' }],
                // Running is the process started; Ready (this probe) is the runner listening
                readinessProbe: { httpGet: { path: '/healthz', port: 8888 }, periodSeconds: 1 },
              },
            ],
          },
        },
      });
      type Condition = { type?: string; status?: string };
      await waitFor(cluster.kubeConfig, podsPath(), 'pf', (p: V1Pod) =>
        (p.status?.conditions ?? []).some(
          (c: Condition) => c.type === 'Ready' && c.status === 'True',
        ),
      );
    });
    afterAll(async () => {
      await cluster.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    const cases = [
      { name: 'the WebSocket tunnel (SPDY/3.1+portforward.k8s.io)', flag: 'true', method: 'GET' },
      { name: 'plain SPDY/3.1', flag: 'false', method: 'POST' },
    ];
    for (const c of cases) {
      it(`forwards HTTP to the runner over ${c.name} and exits cleanly`, async () => {
        cluster.requests.clear();
        const forward = await startForward(
          { ...env, KUBECTL_PORT_FORWARD_WEBSOCKETS: c.flag },
          'pod/pf',
          8888,
        );
        const exited = once(forward.child, 'exit');
        try {
          // two connections in a row: each is its own stream pair on the one SPDY connection
          for (let i = 0; i < 2; i++) {
            const res = await get(forward.localPort, '/healthz');
            expect(res.status).toBe(200);
            expect(JSON.parse(res.body)).toMatchObject({ status: 'ok', mode: 'serve' });
          }
          const upgrades = cluster.requests.filter({ path: '/pods/pf/portforward' });
          expect(upgrades.map((r) => [r.method, r.status])).toEqual([[c.method, 101]]);
        } finally {
          forward.child.kill('SIGINT');
        }
        const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null];
        expect({ code, signal }).toEqual({ code: 0, signal: null });
        expect(forward.stderr()).not.toMatch(/error|lost connection/i);
      }, 60_000);
    }

    it('reports a port nothing listens on through the error stream', async () => {
      const forward = await startForward(env, 'pod/pf', 9);
      const exited = once(forward.child, 'exit');
      // the local connection is accepted, then closed once the pod side refuses
      await expect(get(forward.localPort, '/')).rejects.toThrow();
      const [code] = (await exited) as [number | null];
      // kubectl 1.32 gives up on the whole forward when a stream pair reports an error
      expect(code).not.toBe(0);
      expect(forward.stderr()).toMatch(
        /error forwarding port 9 to pod pf, uid [0-9a-f-]+: failed to connect/,
      );
    }, 60_000);
  },
);
