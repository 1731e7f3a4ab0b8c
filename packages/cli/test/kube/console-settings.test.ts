/**
 * The console's Settings and Warm pools pages in real headless Chromium, against `corral serve`'s
 * own pieces (doctor's checks behind Test connection, the CLI's warm pools) and the fake cluster:
 * choose Kubernetes, a context, namespace, runtime class and pool, save, run Test connection until
 * every indicator is green; switch to a context whose cluster is unreachable and see the failing
 * check with its fix; scale the warm pool from the Warm pools page and see the cluster follow.
 */
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { Browser, Page } from 'playwright-core';
import { startServer, type CorralServer } from '@corral/server';
import { consoleAssetsDir } from '@corral/console';
import { streamDoctorChecks } from '../../src/commands/doctor/stream-checks.js';
import { kubernetesWarmPools } from '../../src/commands/serve-warm-pools.js';
import {
  chromiumMissing,
  launchChromium,
  newPage,
  openConsole,
} from '../../../console/test/helpers/browser.js';
import {
  GVR,
  NAMESPACE,
  installController,
  installPool,
  installRuntimeClass,
  startTestCluster,
  unreachableKubeconfig,
  type TestCluster,
} from './helpers/cluster.js';

const missing = chromiumMissing();

interface Kubeconfig {
  clusters: { name: string; cluster: Record<string, unknown> }[];
  contexts: { name: string; context: { cluster: string; user: string; namespace?: string } }[];
  users: { name: string; user: unknown }[];
  'current-context': string;
}

/** The test cluster's kubeconfig plus a `broken` context whose server nothing listens on. */
async function twoContexts(cluster: TestCluster, dir: string): Promise<[string, string]> {
  const good = parse(await readFile(cluster.kubeconfig, 'utf8')) as Kubeconfig;
  const bad = parse(await readFile(await unreachableKubeconfig(cluster), 'utf8')) as Kubeconfig;
  const goodContext = good['current-context'];
  good.clusters.push({ name: 'broken', cluster: bad.clusters[0]!.cluster });
  good.contexts.push({
    name: 'broken',
    context: { ...good.contexts[0]!.context, cluster: 'broken' },
  });
  const file = join(dir, 'kubeconfig-two-contexts');
  await writeFile(file, stringify(good), { mode: 0o600 });
  return [file, goodContext];
}

async function testConnection(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Test connection' }).click();
  await page
    .getByTestId('checks-summary')
    .filter({ hasText: /All checks passed|Some checks failed/ })
    .waitFor({ timeout: 60_000 });
}

describe.skipIf(missing !== null)(
  `console Settings → Kubernetes in Chromium${missing ? ` (skipped: ${missing})` : ''}`,
  () => {
    let cluster: TestCluster;
    let server: CorralServer;
    let stateDir: string;
    let browser: Browser;
    let page: Page;
    let goodContext: string;

    beforeAll(async () => {
      cluster = await startTestCluster();
      installController(cluster);
      installRuntimeClass(cluster);
      await installPool(cluster, 'corral-runner', 1);
      stateDir = await mkdtemp(join(tmpdir(), 'corral-console-kube-'));
      await chmod(stateDir, 0o711);
      let kubeconfig: string;
      [kubeconfig, goodContext] = await twoContexts(cluster, cluster.dir);
      const env = { ...process.env, KUBECONFIG: kubeconfig };
      [server, browser] = await Promise.all([
        startServer({
          stateDir,
          port: 0,
          staticDir: consoleAssetsDir(),
          env,
          connectionChecks: streamDoctorChecks(env),
          warmPools: kubernetesWarmPools(env),
        }),
        launchChromium(),
      ]);
      ({ page } = await newPage(browser));
      // this page waits on the cluster (contexts, checks): more room than the console's default
      page.setDefaultTimeout(30_000);
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await server?.close();
      await rm(stateDir, { recursive: true, force: true });
      await cluster?.stop();
    }, 60_000);

    it('saves Kubernetes settings and Test connection turns every indicator green', async () => {
      await openConsole(page, server.url, server.token, '#/settings');
      // as a user does: the nav link (the hash set by goto can land before the router listens)
      await page
        .getByRole('navigation', { name: 'Pages' })
        .getByRole('link', { name: 'Settings' })
        .click();
      await page
        .getByRole('heading', { name: 'Settings', level: 1 })
        .waitFor()
        .catch(async (e: unknown) => {
          // what the page shows instead, so a failure says why
          throw new Error(`${String(e)}\npage: ${await page.locator('body').innerText()}`);
        });
      await page.locator('#kube-context, input[value="kubernetes"]').first().waitFor();
      await page.getByRole('radio', { name: 'Kubernetes (Agent Sandbox)' }).check();
      await page.getByLabel('Kubeconfig context').selectOption(goodContext);
      await page.getByLabel('Namespace').fill(NAMESPACE);
      await page.getByLabel('Runtime class').fill('gvisor');
      await page.getByLabel('Warm pool').fill('corral-runner');
      await page.getByRole('button', { name: 'Save' }).click();
      const saveMessage = page.locator('form.settings .message');
      await saveMessage.filter({ hasText: /\S/ }).waitFor();
      await expect(saveMessage.innerText()).resolves.toBe('Settings saved.');

      const saved = (await (
        await fetch(`${server.url}/api/v1/settings`, {
          headers: { authorization: `Bearer ${server.token}` },
        })
      ).json()) as { provider: string; kubernetes: Record<string, unknown> };
      expect(saved.provider).toBe('kubernetes');
      expect(saved.kubernetes).toMatchObject({
        context: goodContext,
        namespace: NAMESPACE,
        runtimeClassName: 'gvisor',
        warmPool: 'corral-runner',
      });

      await testConnection(page);
      await expect(page.getByTestId('checks-summary').innerText()).resolves.toMatch(
        /^All checks passed — \d+ ok, 0 warnings, 0 failed, 0 skipped$/,
      );
      const statuses = await Promise.all(
        (await page.locator('li.check').all()).map((item) => item.getAttribute('data-status')),
      );
      expect(statuses.length).toBeGreaterThanOrEqual(10);
      expect(new Set(statuses)).toEqual(new Set(['ok']));
      await expect(page.locator('li.check[data-check="cluster"]').innerText()).resolves.toMatch(
        /cluster reachable/,
      );
    }, 120_000);

    it('a broken kubeconfig context shows the failing check with its fix', async () => {
      await page.getByLabel('Kubeconfig context').selectOption('broken');
      await testConnection(page);
      await expect(page.getByTestId('checks-summary').innerText()).resolves.toMatch(
        /^Some checks failed/,
      );
      const failed = page.locator('li.check[data-status="fail"]');
      await expect(failed.count()).resolves.toBe(1);
      await expect(failed.locator('.check-title').innerText()).resolves.toBe('cluster reachable');
      await expect(failed.locator('.check-fix').innerText()).resolves.toMatch(/^Fix: \S/);
      // what needs the cluster is skipped, not failed again
      await expect(page.locator('li.check[data-status="skip"]').count()).resolves.toBeGreaterThan(
        3,
      );
    }, 120_000);

    it('scales the warm pool from the Warm pools page', async () => {
      await page.goto(`${server.url}/#/warm-pools`);
      const row = page.locator('tr[data-pool="corral-runner"]');
      await row.waitFor();
      await expect(row.innerText()).resolves.toContain('1/1');
      await page.getByLabel('Replicas for corral-runner').fill('2');
      await page.getByRole('button', { name: 'Scale corral-runner' }).click();
      await page.getByRole('status').filter({ hasText: 'Scaled corral-runner to 2.' }).waitFor();
      const pool = cluster.fake.store.get(GVR.warmPools, NAMESPACE, 'corral-runner') as unknown as {
        spec: { replicas: number };
      };
      expect(pool.spec.replicas).toBe(2);
    }, 120_000);
  },
);
