/**
 * The Board and Sandboxes pages in real headless Chromium against the real server (local
 * provider, the server's generic agent: the prompt is a shell script): create a task, move it to
 * In progress with the keyboard, approve its plan, watch the events and the diff; run a command in
 * a sandbox and kill it from the Sandboxes page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import {
  chromiumMissing,
  launchChromium,
  newPage,
  openConsole,
  watchForeignRequests,
} from './helpers/browser.js';
import { startConsoleServer, type ConsoleServer } from './helpers/server.js';

const missing = chromiumMissing();

// The generic agent runs the prompt as a shell script; lines that are event objects pass through.
const SCRIPT = [
  "printf 'hello from the agent\\n' > hello.txt",
  `echo '{"type":"tool.call","id":"c1","name":"write_file","input":{"path":"hello.txt","bytes":21}}'`,
  `echo '{"type":"tool.result","id":"c1","ok":true,"output":"wrote 21 bytes","truncated":false}'`,
  `echo '{"type":"usage","inputTokens":120,"outputTokens":34}'`,
  'echo wrote hello.txt',
].join('\n');

describe.skipIf(missing !== null)(
  `console board in Chromium${missing ? ` (skipped: ${missing})` : ''}`,
  () => {
    let served: ConsoleServer;
    let browser: Browser;
    let page: Page;
    let foreign: string[];

    beforeAll(async () => {
      [served, browser] = await Promise.all([startConsoleServer(), launchChromium()]);
      ({ page } = await newPage(browser));
      foreign = watchForeignRequests(page, served.url);
    });
    afterAll(async () => {
      await browser?.close();
      await served?.stop();
    });

    it('creates a task, starts it from the keyboard, approves the plan, shows events and the diff', async () => {
      await openConsole(page, served.url, served.token, '#/board');
      // count() does not wait: let the board render first
      await page.getByRole('heading', { name: 'Backlog', level: 2 }).waitFor();
      for (const title of ['Backlog', 'In progress', 'Awaiting approval', 'Done', 'Failed'])
        await expect(page.getByRole('heading', { name: title, level: 2 }).count()).resolves.toBe(1);

      await page.getByLabel('Prompt').fill(SCRIPT);
      await page.getByLabel('Title (optional)').fill('Write hello.txt');
      await page.getByLabel('Agent').selectOption('generic');
      await expect(page.getByLabel('Plan first').isChecked()).resolves.toBe(true);
      await page.getByRole('button', { name: 'Create task' }).click();

      const backlogCard = page.locator('[data-column="backlog"] .card', {
        hasText: 'Write hello.txt',
      });
      await backlogCard.waitFor();
      const drawer = page.getByTestId('drawer');
      await expect(drawer.getByTestId('task-status').textContent()).resolves.toBe('backlog');

      // Keyboard: focus the card and move it to In progress.
      await backlogCard.getByRole('button', { name: 'Open task Write hello.txt' }).focus();
      await page.keyboard.press('Shift+ArrowRight');
      await page.locator('[data-column="backlog"] .card').waitFor({ state: 'detached' });

      await page.locator('[data-testid="drawer"][data-status="awaiting_approval"]').waitFor();
      const transcript = page.getByTestId('transcript');
      await transcript.locator('.t-plan', { hasText: 'Run this shell script' }).waitFor();
      await page
        .locator('[data-column="awaiting_approval"] .card', { hasText: 'Write hello.txt' })
        .waitFor();

      await page.getByRole('button', { name: 'Approve plan' }).click();
      await page.locator('[data-testid="drawer"][data-status="done"]').waitFor();
      await page.locator('[data-column="done"] .card', { hasText: 'Write hello.txt' }).waitFor();

      // The tool call is one folded line; its input and output are inside.
      const tool = transcript.locator('details.t-tool');
      await tool.waitFor();
      await expect(tool.locator('summary').textContent()).resolves.toContain('write_file');
      await expect(tool.getAttribute('open')).resolves.toBeNull();
      await transcript.locator('.t-text', { hasText: /^wrote hello\.txt$/ }).waitFor();
      await transcript.locator('.t-usage', { hasText: '120 in / 34 out' }).waitFor();
      await transcript.locator('.t-result.t-ok').last().waitFor();

      const diff = page.getByTestId('diff');
      await diff.waitFor();
      await expect(diff.locator('.diff-files').textContent()).resolves.toContain('hello.txt');
      await diff.locator('.d-add', { hasText: '+hello from the agent' }).waitFor();

      // The transcript pane keeps its height while events stream in (no layout jumps).
      const box = await transcript.boundingBox();
      expect(box?.height).toBe(260);

      const tasks = await served.api<{ items: { title: string; status: string }[] }>('/tasks');
      expect(tasks.items).toEqual([
        expect.objectContaining({ title: 'Write hello.txt', status: 'done' }),
      ]);
    });

    it('runs a command in a sandbox with streamed output, then kills it', async () => {
      const sandbox = await served.api<{ id: string }>('/sandboxes', {
        method: 'POST',
        body: { labels: { purpose: 'console-test' } },
      });
      await page.getByRole('link', { name: 'Sandboxes' }).click();
      const row = page.locator(`tr[data-sandbox="${sandbox.id}"]`);
      await row.waitFor();
      await expect(row.textContent()).resolves.toContain('purpose=console-test');

      await page.getByRole('button', { name: `Open a command box for ${sandbox.id}` }).click();
      await page
        .getByLabel('Command', { exact: true })
        .fill('echo out-line; echo err-line >&2; exit 3');
      await page.getByLabel('Command', { exact: true }).press('Enter');
      const output = page.getByTestId('command-output');
      await output.locator('.out-meta', { hasText: '[exit 3]' }).waitFor();
      await expect(output.locator('.out-stdout').textContent()).resolves.toContain('out-line');
      await expect(output.locator('.out-stderr').textContent()).resolves.toContain('err-line');

      await page.getByRole('button', { name: `Kill sandbox ${sandbox.id}` }).click();
      await row.waitFor({ state: 'detached' });
      const left = await served.api<{ items: { id: string }[] }>('/sandboxes');
      expect(left.items.map((s) => s.id)).not.toContain(sandbox.id);
      expect(foreign).toEqual([]);
    });
  },
);
