/* eslint-disable @typescript-eslint/no-explicit-any -- client-node types custom-object bodies and errors as any */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeCluster } from '../../src/index.js';
import type { FakeCluster } from '../../src/index.js';

const run = promisify(execFile);
const KUBECTL = ['/usr/bin/kubectl', '/usr/local/bin/kubectl'].find((p) => existsSync(p));

// kubectl is a system binary, not an npm dependency; machines without it skip these tests.
describe.skipIf(KUBECTL === undefined)(
  'kubectl against the fake (skipped when kubectl is not installed)',
  () => {
    let cluster: FakeCluster;
    let dir: string;
    let env: NodeJS.ProcessEnv;
    const kubectl = async (...args: string[]) =>
      (await run(KUBECTL!, args, { env, timeout: 20_000 })).stdout;

    beforeAll(async () => {
      cluster = await startFakeCluster({ controller: false, kubelet: false });
      dir = mkdtempSync(join(tmpdir(), 'corral-kubectl-'));
      await cluster.writeKubeconfig(join(dir, 'config'));
      env = {
        ...process.env,
        KUBECONFIG: join(dir, 'config'),
        HOME: dir,
        KUBECACHEDIR: join(dir, 'cache'),
      };
    });
    afterAll(async () => {
      await cluster.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('applies server-side, gets, waits for a condition, and deletes', async () => {
      const manifest = join(dir, 'pool.yaml');
      writeFileSync(
        manifest,
        [
          'apiVersion: extensions.agents.x-k8s.io/v1beta1',
          'kind: SandboxWarmPool',
          'metadata:',
          '  name: kpool',
          'spec:',
          '  replicas: 2',
          '  sandboxTemplateRef:',
          '    name: tpl',
          '',
        ].join('\n'),
      );
      expect(await kubectl('apply', '--server-side', '-f', manifest)).toContain(
        'sandboxwarmpool.extensions.agents.x-k8s.io/kpool serverside-applied',
      );
      const stored = cluster.store.get(
        { group: 'extensions.agents.x-k8s.io', version: 'v1beta1', resource: 'sandboxwarmpools' },
        'default',
        'kpool',
      )!;
      expect((stored.metadata.managedFields as { manager: string }[])[0]!.manager).toBe('kubectl');
      const table = await kubectl('get', 'sandboxwarmpools');
      expect(table).toMatch(/NAME\s+READY\s+DESIRED\s+AGE/);
      expect(table).toMatch(/kpool\s+2\s+\d+s/);
      const json = JSON.parse(await kubectl('get', 'swp', 'kpool', '-o', 'json'));
      expect(json.spec.replicas).toBe(2);

      const SANDBOXES = { group: 'agents.x-k8s.io', version: 'v1beta1', resource: 'sandboxes' };
      cluster.store.create(SANDBOXES, {
        apiVersion: 'agents.x-k8s.io/v1beta1',
        kind: 'Sandbox',
        metadata: { name: 'ksb', namespace: 'default' },
        spec: { podTemplate: { spec: { containers: [{ name: 'c', image: 'i' }] } } },
      });
      const wait = kubectl('wait', '--for=condition=Ready', 'sandbox/ksb', '--timeout=10s');
      setTimeout(() => {
        cluster.store.patch(
          SANDBOXES,
          'default',
          'ksb',
          {
            status: {
              conditions: [
                {
                  type: 'Ready',
                  status: 'True',
                  reason: 'DependenciesReady',
                  message: '',
                  lastTransitionTime: '2026-01-01T00:00:00Z',
                },
              ],
            },
          },
          'merge',
          { subresource: 'status' },
        );
      }, 200);
      expect(await wait).toContain('condition met');
      expect(await kubectl('delete', 'sandboxwarmpool', 'kpool')).toContain('deleted');
      expect(await kubectl('delete', 'sandbox', 'ksb', '--cascade=foreground')).toContain(
        'deleted',
      );
      expect(await kubectl('get', 'sandboxwarmpools', '-o', 'name')).toBe('');
    });

    it('reports schema errors like a real server', async () => {
      const manifest = join(dir, 'bad.yaml');
      writeFileSync(
        manifest,
        'apiVersion: extensions.agents.x-k8s.io/v1beta1\nkind: SandboxClaim\nmetadata:\n  name: bad\nspec: {}\n',
      );
      const err: any = await kubectl('apply', '--server-side', '-f', manifest).catch(
        (e: unknown) => e,
      );
      expect(err.stderr).toContain(
        'The SandboxClaim "bad" is invalid: spec.warmPoolRef: Required value',
      );
    });
  },
);
