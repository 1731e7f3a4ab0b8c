/**
 * `npm run screenshots -w @corral/console`: rewrites docs/images/console-*.png from a real server
 * (local provider) in Chromium at 1366×768. Not part of `npm test`, so tests never touch them.
 */
import { fileURLToPath } from 'node:url';
import { launchChromium, newPage, openConsole } from './helpers/browser.js';
import { startConsoleServer } from './helpers/server.js';

const out = (name: string) =>
  fileURLToPath(new URL(`../../../docs/images/console-${name}.png`, import.meta.url));

const served = await startConsoleServer();
const browser = await launchChromium();
try {
  const { page } = await newPage(browser);
  for (let i = 1; i <= 3; i++)
    await served.api('/tasks', {
      method: 'POST',
      body: { prompt: `echo task ${i}`, agent: 'generic' },
    });
  await openConsole(page, served.url, served.token, '#/board');
  await page.getByLabel('Prompt').fill("printf 'hello\\n' > hello.txt\necho wrote hello.txt");
  await page.getByLabel('Title (optional)').fill('Write hello.txt');
  await page.getByRole('button', { name: 'Create task' }).click();
  await page.getByRole('button', { name: 'Start task Write hello.txt' }).click();
  await page.locator('[data-testid="drawer"][data-status="awaiting_approval"]').waitFor();
  await page.getByRole('button', { name: 'Approve plan' }).click();
  await page.locator('[data-testid="drawer"][data-status="done"]').waitFor();
  await page.getByTestId('diff').waitFor();
  await page.screenshot({ path: out('board') });
  const sandbox = await served.api<{ id: string }>('/sandboxes', {
    method: 'POST',
    body: { labels: { team: 'docs' } },
  });
  await page.getByRole('link', { name: 'Sandboxes' }).click();
  await page.getByRole('button', { name: `Open a command box for ${sandbox.id}` }).click();
  await page.getByLabel('Command', { exact: true }).fill('uname -a; id');
  await page.getByLabel('Command', { exact: true }).press('Enter');
  await page.getByTestId('command-output').locator('.out-meta', { hasText: '[exit' }).waitFor();
  await page.screenshot({ path: out('sandboxes') });
  await served.api(`/sandboxes/${sandbox.id}`, { method: 'DELETE' });
  await page.getByRole('link', { name: 'Warm pools' }).click();
  await page.getByRole('heading', { name: 'Warm pools' }).waitFor();
  await page.screenshot({ path: out('warm-pools') });
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('button', { name: 'Test connection' }).click();
  await page.getByTestId('checks-summary').filter({ hasText: 'skipped' }).waitFor();
  await page.screenshot({ path: out('settings') });
} finally {
  await browser.close();
  await served.stop();
}
