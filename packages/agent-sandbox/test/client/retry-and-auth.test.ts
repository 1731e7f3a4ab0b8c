import { startFakeCluster } from '@corral/testing';
import { describe, expect, it } from 'vitest';
import {
  ServerError,
  UnauthorizedError,
  buildSandboxTemplate,
  createAgentSandboxClient,
} from '../../src/index.js';

describe('retries and authentication against the fake cluster', () => {
  it('retries a read after 429s, but never a create after a 503', async () => {
    await using cluster = await startFakeCluster({ controller: false, kubelet: false });
    const client = createAgentSandboxClient({
      kubeConfig: cluster.kubeConfig,
      apiVersion: 'v1beta1',
      retry: { maxAttempts: 3, backoff: { initialMs: 1, maxMs: 5 } },
    });
    // (Faults matching the same request are all consumed by it, so one fault that fires twice.)
    cluster.faults.error(
      { verb: 'list', resource: 'sandboxtemplates' },
      { status: 429, times: 2, retryAfterSeconds: 0 },
    );
    await expect(client.templates.list()).resolves.toMatchObject({ items: [] });
    expect(cluster.requests.count({ verb: 'list', resource: 'sandboxtemplates' })).toBe(3);

    cluster.faults.error(
      { verb: 'create', resource: 'sandboxtemplates' },
      { status: 503, retryAfterSeconds: 0 },
    );
    await expect(
      client.templates.create(buildSandboxTemplate({ name: 'once', image: 'busybox' })),
    ).rejects.toBeInstanceOf(ServerError);
    expect(cluster.requests.count({ verb: 'create', resource: 'sandboxtemplates' })).toBe(1);
  });

  it('maps a 401 (no body) to UnauthorizedError', async () => {
    await using cluster = await startFakeCluster({
      controller: false,
      kubelet: false,
      token: 'right',
    });
    const kubeConfig = cluster.kubeConfig;
    const user = kubeConfig.getCurrentUser()!;
    kubeConfig.users = kubeConfig.users.map((u) =>
      u.name === user.name ? { ...u, token: 'wrong' } : u,
    );
    const client = createAgentSandboxClient({ kubeConfig, apiVersion: 'v1beta1' });
    await expect(client.templates.get('x')).rejects.toBeInstanceOf(UnauthorizedError);
  });
});
