/**
 * The Settings page's local-provider, network and agents fields in real headless Chromium, against
 * the real server: what the form saves is what the API then returns, and a reload shows it again
 * (the Kubernetes fields and Test connection are covered with a cluster in the CLI's tests).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { chromiumMissing, launchChromium, newPage, openConsole } from './helpers/browser.js';
import { startConsoleServer, type ConsoleServer } from './helpers/server.js';
import type { Settings } from '../ui/types.js';

const missing = chromiumMissing();

describe.skipIf(missing !== null)(
  `console Settings (local, network, agents) in Chromium${missing ? ` (skipped: ${missing})` : ''}`,
  () => {
    let served: ConsoleServer;
    let browser: Browser;

    beforeAll(async () => {
      [served, browser] = await Promise.all([startConsoleServer(), launchChromium()]);
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
      await served?.stop();
    }, 60_000);

    it('saves isolation, an allow list, the agent profile and a key reference; a reload shows them', async () => {
      const { context, page } = await newPage(browser);
      try {
        await openConsole(page, served.url, served.token, '#/settings');
        // as a user does: the nav link (the hash set by goto can land before the router listens)
        await page
          .getByRole('navigation', { name: 'Pages' })
          .getByRole('link', { name: 'Settings' })
          .click();
        await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
        await page.getByRole('radio', { name: 'Local (this machine)' }).check();
        await page.getByLabel('Isolation').selectOption('bubblewrap');
        await page.getByLabel('Egress').selectOption('allow');
        await page.getByLabel('Allowed hosts (comma-separated)').fill('example.test, api.test ,');
        await page.getByLabel('Default agent profile').selectOption('codex');
        await page.locator('#key-anthropic-kind').selectOption('env');
        await page.locator('#key-anthropic-env').fill('MY_ANTHROPIC_KEY');
        await page.getByRole('button', { name: 'Save' }).click();
        const saveMessage = page.locator('form.settings .message');
        await saveMessage.filter({ hasText: /\S/ }).waitFor();
        await expect(saveMessage.innerText()).resolves.toBe('Settings saved.');

        const saved = await served.api<Settings>('/settings');
        expect(saved).toMatchObject({
          provider: 'local',
          local: { isolation: 'bubblewrap' },
          network: { default: { allow: ['example.test', 'api.test'] } },
          agents: {
            defaultProfile: 'codex',
            apiKeys: { anthropic: { env: 'MY_ANTHROPIC_KEY' }, openai: null },
          },
        });

        await page.reload();
        await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
        await expect(page.getByLabel('Isolation').inputValue()).resolves.toBe('bubblewrap');
        await expect(page.getByLabel('Egress').inputValue()).resolves.toBe('allow');
        await expect(page.getByLabel('Allowed hosts (comma-separated)').inputValue()).resolves.toBe(
          'example.test, api.test',
        );
        await expect(page.getByLabel('Default agent profile').inputValue()).resolves.toBe('codex');
        await expect(page.locator('#key-anthropic-env').inputValue()).resolves.toBe(
          'MY_ANTHROPIC_KEY',
        );

        // choosing "none" drops the host list from the form and from what is saved
        await page.getByLabel('Egress').selectOption('none');
        await expect(page.getByLabel('Allowed hosts (comma-separated)').count()).resolves.toBe(0);
        // the message already says "saved" from the first save: wait for this save's answer
        await Promise.all([
          page.waitForResponse(
            (r) => r.url().endsWith('/api/v1/settings') && r.request().method() === 'PUT',
          ),
          page.getByRole('button', { name: 'Save' }).click(),
        ]);
        await expect(served.api<Settings>('/settings')).resolves.toMatchObject({
          network: { default: 'none' },
        });
      } finally {
        await context.close();
      }
    }, 90_000);
  },
);
