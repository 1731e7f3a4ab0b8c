/**
 * Exec on a cluster older than Kubernetes 1.30 (WebSocket v4 only, no stdin-close frame): the
 * provider still returns stdout, stderr and the exit code from the status channel.
 */
import { Sandbox } from '@corral/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REAL_CLUSTER, startE2eCluster, type E2eCluster } from './e2e-cluster.js';

describe.skipIf(REAL_CLUSTER)(
  'exec over v4.channel.k8s.io (fake only: needs execV5: false)',
  () => {
    let cluster: E2eCluster;
    beforeAll(async () => {
      cluster = await startE2eCluster({ fake: { execV5: false } });
    });
    afterAll(async () => {
      await cluster?.stop();
    });

    it('returns stdout, stderr and exit code 3 from a v4-only API server', async () => {
      const provider = cluster.provider({ connection: { mode: 'direct' } });
      const sandbox = await Sandbox.create({ provider });
      try {
        const result = await provider.exec(sandbox.id, [
          'sh',
          '-c',
          'echo out; echo err >&2; exit 3',
        ]);
        expect(result).toEqual({ exitCode: 3, stdout: 'out\n', stderr: 'err\n' });
        const ok = await provider.exec(sandbox.id, ['echo', 'fine']);
        expect(ok).toEqual({ exitCode: 0, stdout: 'fine\n', stderr: '' });
        // v4 has no stdin-close frame: client-node closes the socket, and the status is lost.
        await expect(provider.exec(sandbox.id, ['cat'], { stdin: 'x\n' })).rejects.toMatchObject({
          code: 'CONNECTION_FAILED',
          retryable: false,
          message: expect.stringContaining('v4.channel.k8s.io (Kubernetes < 1.30)'),
        });
        const [record] = cluster.fake!.requests.filter({ path: /\/exec$/ });
        expect(record).toMatchObject({ status: 101 });
      } finally {
        await sandbox.kill();
      }
      expect(await cluster.claimNames()).toEqual([]);
    });
  },
);
