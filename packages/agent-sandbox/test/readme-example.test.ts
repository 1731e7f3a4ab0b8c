import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startFakeCluster } from '@corral/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));

/** The first ```ts block under `## Quick start` in the package README. */
function quickStartCode(): string {
  const readme = readFileSync(join(here, '..', 'README.md'), 'utf8');
  const section = readme.split(/^## Quick start$/m)[1]?.split(/^## /m)[0];
  const code = section?.match(/```ts\n([\s\S]*?)```/)?.[1];
  if (code === undefined) throw new Error('README.md has no ```ts block under "## Quick start"');
  return code;
}

describe('README quick start', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    vi.unstubAllEnvs();
  });

  it('runs exactly the README code against the fake cluster and leaves nothing behind', async () => {
    const cluster = await startFakeCluster();
    cleanups.push(() => cluster.stop());
    const dir = mkdtempSync(join(tmpdir(), 'corral-readme-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const kubeconfig = join(dir, 'kubeconfig');
    // exportConfig() keeps `insecure-skip-tls-verify`, which client-node needs for an http:// server.
    writeFileSync(kubeconfig, cluster.kubeConfig.exportConfig(), { mode: 0o600 });
    vi.stubEnv('KUBECONFIG', kubeconfig);

    // The module must live inside the workspace so `@corral/agent-sandbox` resolves.
    const file = join(here, `.readme-example-${process.pid}.generated.ts`);
    writeFileSync(file, quickStartCode());
    cleanups.push(() => rmSync(file, { force: true }));
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    cleanups.push(() => log.mockRestore());

    await import(pathToFileURL(file).href);

    expect(log).toHaveBeenCalledWith(
      expect.stringMatching(/^claim task-\w+ → sandbox python-pool-\w+ at \d+\.\d+\.\d+\.\d+$/),
    );
    await cluster.controller?.whenIdle();
    const gvr = (group: string, resource: string) => ({ group, version: 'v1beta1', resource });
    for (const [group, resource] of [
      ['extensions.agents.x-k8s.io', 'sandboxclaims'],
      ['extensions.agents.x-k8s.io', 'sandboxwarmpools'],
      ['extensions.agents.x-k8s.io', 'sandboxtemplates'],
      ['agents.x-k8s.io', 'sandboxes'],
    ] as const) {
      expect(cluster.store.list(gvr(group, resource), { namespace: 'default' }).items).toEqual([]);
    }
  });
});
