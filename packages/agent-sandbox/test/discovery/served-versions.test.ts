import { startFakeCluster } from '@corral/testing';
import { describe, expect, it } from 'vitest';
import {
  NotInstalledError,
  UnsupportedRequestError,
  buildSandboxTemplate,
  createAgentSandboxClient,
  discoverServedVersions,
} from '../../src/index.js';

describe('version discovery against the fake cluster', () => {
  it('sees v1beta1 and v1alpha1 on a v0.5.x cluster and speaks v1beta1', async () => {
    await using cluster = await startFakeCluster({ controller: false, kubelet: false });
    const served = await discoverServedVersions(cluster.kubeConfig);
    expect(served.groups['agents.x-k8s.io']?.served).toEqual(['v1beta1', 'v1alpha1']);
    expect(served.groups['extensions.agents.x-k8s.io']?.served).toEqual(['v1beta1', 'v1alpha1']);
    const client = createAgentSandboxClient({ kubeConfig: cluster.kubeConfig });
    expect(await client.apiVersionFor('Sandbox')).toBe('v1beta1');
    await expect(client.claimSpecFor({ warmPool: 'p' })).resolves.toEqual({
      warmPoolRef: { name: 'p' },
    });
    await expect(client.claimSpecFor({ template: 't' })).rejects.toBeInstanceOf(
      UnsupportedRequestError,
    );
    // Discovery runs once per client.
    await client.apiVersionFor('SandboxClaim');
    expect(cluster.requests.count({ path: /^\/apis$/ })).toBe(2);
  });

  it('speaks v1alpha1 on a v0.4.6 cluster and resolves a pool-only claim through the pool`s template', async () => {
    await using cluster = await startFakeCluster({
      crds: 'v0.4.6',
      controller: false,
      kubelet: false,
    });
    const client = createAgentSandboxClient({ kubeConfig: cluster.kubeConfig });
    expect(await client.apiVersionFor('SandboxClaim')).toBe('v1alpha1');
    await client.templates.create(
      buildSandboxTemplate({ name: 'py', image: 'python:3.12', version: 'v1alpha1' }),
    );
    await client.warmPools.create({
      metadata: { name: 'py-pool' },
      spec: { replicas: 1, sandboxTemplateRef: { name: 'py' } },
    });
    await expect(client.claimSpecFor({ warmPool: 'py-pool' })).resolves.toEqual({
      sandboxTemplateRef: { name: 'py' },
      warmpool: 'py-pool',
    });
    await expect(client.claimSpecFor({ warmPool: 'missing' })).rejects.toThrow(/does not exist/);
    await expect(client.claimSpecFor({ template: 'py' })).resolves.toEqual({
      sandboxTemplateRef: { name: 'py' },
      warmpool: 'none',
    });
    const claim = await client.claims.create({
      metadata: { name: 'alpha-claim' },
      spec: await client.claimSpecFor({ template: 'py' }),
    } as never);
    expect(claim.apiVersion).toBe('extensions.agents.x-k8s.io/v1alpha1');
    await client.claims.delete('alpha-claim');
    await client.warmPools.delete('py-pool');
    await client.templates.delete('py');
  });

  it('reports missing CRDs clearly', async () => {
    await using cluster = await startFakeCluster({ crds: [], controller: false, kubelet: false });
    const client = createAgentSandboxClient({ kubeConfig: cluster.kubeConfig });
    const error = await client.claims.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotInstalledError);
    expect((error as Error).message).toMatch(/Install the agent-sandbox CRDs/);
  });
});
