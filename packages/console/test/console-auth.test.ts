/**
 * Signing in, in real headless Chromium: a wrong `?token=` and a missing cookie show the "Not
 * signed in" page with the way out (never JSON, never the token); the printed URL signs in and
 * leaves the address bar; a cookie that stops matching (the server got a new token) turns the
 * running console into its own 401 screen on the next API call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { chromiumMissing, launchChromium, newPage } from './helpers/browser.js';
import { startConsoleServer, type ConsoleServer } from './helpers/server.js';

const missing = chromiumMissing();

describe.skipIf(missing !== null)(
  `console sign-in in Chromium${missing ? ` (skipped: ${missing})` : ''}`,
  () => {
    let served: ConsoleServer;
    let browser: Browser;

    beforeAll(async () => {
      [served, browser] = await Promise.all([startConsoleServer(), launchChromium()]);
    });
    afterAll(async () => {
      await browser?.close();
      await served?.stop();
    });

    it('a wrong token in the URL shows the sign-in page, not JSON', async () => {
      const { context, page } = await newPage(browser);
      try {
        const response = await page.goto(`${served.url}/?token=not-the-token`);
        expect(response?.status()).toBe(401);
        await page.getByRole('heading', { name: 'Not signed in', level: 1 }).waitFor();
        const text = await page.locator('main').innerText();
        expect(text).toContain('the token in the URL is wrong');
        expect(text).toContain('corral serve');
        expect(await page.content()).not.toContain(served.token);
        // a deep link without any cookie gets the same page
        const deep = await page.goto(`${served.url}/board`);
        expect(deep?.status()).toBe(401);
        await expect(page.locator('main .reason').innerText()).resolves.toContain('no token');
      } finally {
        await context.close();
      }
    });

    it('the printed URL signs in and drops the token from the address bar', async () => {
      const { context, page } = await newPage(browser);
      try {
        await page.goto(`${served.url}/?token=${encodeURIComponent(served.token)}`);
        await page.getByRole('heading', { name: 'Backlog', level: 2 }).waitFor();
        expect(page.url()).toBe(`${served.url}/`);
        const cookies = await context.cookies();
        expect(cookies.find((c) => c.name === 'corral_token')?.httpOnly).toBe(true);
      } finally {
        await context.close();
      }
    });

    it('a cookie that stops matching turns the open console into its 401 screen', async () => {
      const { context, page } = await newPage(browser);
      try {
        await page.goto(`${served.url}/?token=${encodeURIComponent(served.token)}`);
        await page.getByRole('heading', { name: 'Backlog', level: 2 }).waitFor();
        const [cookie] = (await context.cookies()).filter((c) => c.name === 'corral_token');
        await context.addCookies([{ ...cookie!, value: 'stale' }]);
        // navigate inside the running app (no reload): its next API call meets the 401
        await page.evaluate("location.hash = '#/sandboxes'");
        await page.getByRole('heading', { name: 'Not signed in', level: 1 }).waitFor();
        await expect(page.getByRole('alert').innerText()).resolves.toContain('/?token=');
      } finally {
        await context.close();
      }
    });
  },
);
