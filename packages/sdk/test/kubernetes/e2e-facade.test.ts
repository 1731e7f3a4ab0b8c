/**
 * `Sandbox.create({ provider: 'kubernetes' })` by name: the registry loads the Kubernetes provider
 * lazily from the current kubeconfig, and `kubernetes: { namespace, warmPool }` places the claim.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sandbox } from '@corral/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_LABEL, REAL_CLUSTER, startE2eCluster, type E2eCluster } from './e2e-cluster.js';

let cluster: E2eCluster;
let dir: string;
const savedKubeconfig = process.env.KUBECONFIG;

beforeAll(async () => {
  cluster = await startE2eCluster();
  dir = await mkdtemp(join(tmpdir(), 'corral-facade-'));
  if (cluster.fake) {
    const path = join(dir, 'kubeconfig');
    await cluster.fake.writeKubeconfig(path);
    process.env.KUBECONFIG = path;
  }
});

afterAll(async () => {
  await Sandbox.shutdown();
  if (savedKubeconfig === undefined) delete process.env.KUBECONFIG;
  else process.env.KUBECONFIG = savedKubeconfig;
  await cluster?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe(`Sandbox.create({ provider: 'kubernetes' }) (${CLUSTER_LABEL})`, () => {
  it('creates a claim in the given namespace and pool, runs a command, and kill removes the claim', async () => {
    const sandbox = await Sandbox.create({
      provider: 'kubernetes',
      kubernetes: { namespace: cluster.namespace, warmPool: cluster.servePool },
      timeoutMs: REAL_CLUSTER ? 180_000 : 30_000,
    });
    try {
      expect(sandbox.provider.name).toBe('kubernetes');
      expect(await cluster.claimNames({ any: true })).toHaveLength(1);
      const result = await sandbox.commands.run(['sh', '-c', 'echo from-$((6 * 7))']);
      expect(result).toMatchObject({ exitCode: 0, stdout: 'from-42\n' });
      const info = await sandbox.info();
      expect(info.isolation.level).toBe('pod');
      // Nobody asked for a network mode, so nothing warns about one (issue 13 item 4).
      expect(sandbox.cachedInfo.isolation.warnings.filter((w) => /network/.test(w))).toEqual([]);
      expect(info.isolation.warnings.filter((w) => /network/.test(w))).toEqual([]);
    } finally {
      await sandbox.kill();
    }
    expect(await cluster.claimNames({ any: true })).toEqual([]);
  });

  it('warns that the template decides egress when the caller asks for a network mode', async () => {
    const sandbox = await Sandbox.create({
      provider: 'kubernetes',
      network: 'none',
      kubernetes: { namespace: cluster.namespace, warmPool: cluster.servePool },
      timeoutMs: REAL_CLUSTER ? 180_000 : 30_000,
    });
    try {
      expect(sandbox.cachedInfo.isolation.warnings).toContainEqual(
        expect.stringMatching(/^network none was requested, but on Kubernetes the SandboxTemplate/),
      );
    } finally {
      await sandbox.kill();
    }
    expect(await cluster.claimNames({ any: true })).toEqual([]);
  });
});
