/**
 * Debian's Chromium driven by playwright-core (no browser download). `CORRAL_CHROMIUM` overrides
 * the path; when no binary is there the browser tests skip and say why.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CORRAL_CHROMIUM ?? '/usr/bin/chromium';

/** Why the browser tests cannot run here, or null when they can. */
export function chromiumMissing(): string | null {
  return existsSync(CHROMIUM)
    ? null
    : `no Chromium at ${CHROMIUM}: install Debian's chromium (apt-get install chromium) or set CORRAL_CHROMIUM`;
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true });
}

/** A 1366×768 laptop screen, the size the console is laid out for. */
export const LAPTOP = { width: 1366, height: 768 } as const;

export async function newPage(browser: Browser): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: LAPTOP });
  const page = await context.newPage();
  // A step that cannot happen fails within the test's budget with the locator it waited for.
  page.setDefaultTimeout(10_000);
  return { context, page };
}

/** Opens the console as a user does: the `?token=` URL `corral serve` printed. */
export async function openConsole(page: Page, url: string, token: string, hash = '#/board') {
  await page.goto(`${url}/?token=${encodeURIComponent(token)}`);
  await page.goto(`${url}/${hash}`);
}

/** Collects requests to anything but the server: the console must make none. */
export function watchForeignRequests(page: Page, url: string): string[] {
  const foreign: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(url) && !r.url().startsWith('data:')) foreign.push(r.url());
  });
  return foreign;
}
