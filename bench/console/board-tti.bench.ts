/**
 * Time to interactive of the console's Board page with 500 tasks, in headless Chromium (Debian's
 * /usr/bin/chromium via playwright-core), beside the same page with no tasks. Per load:
 *   rendered = navigation start → the board's first render with every card (`corral:board-rendered`
 *              mark, set after the task list arrived and was committed to the DOM);
 *   TTI      = max(rendered, end of the last main-thread long task (> 50 ms) seen so far),
 *              taken once the page has been idle for a frame;
 *   input    = a key typed into the Prompt box → the next frame after its input event.
 * The real server runs in this process with the built console (`npm run build -w @corral/console`).
 */
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { consoleAssetsDir } from '@corral/console';
import { startServer, type CorralServer } from '@corral/server';
import { type Benchmark, type BenchRow, median, percentile } from '../lib.js';

const CHROMIUM = process.env.CORRAL_CHROMIUM ?? '/usr/bin/chromium';
const TASKS = 500;

async function withServer<T>(tasks: number, body: (s: CorralServer) => Promise<T>): Promise<T> {
  const stateDir = await mkdtemp(join(tmpdir(), 'corral-bench-console-'));
  await chmod(stateDir, 0o711);
  const server = await startServer({ stateDir, port: 0, staticDir: consoleAssetsDir() });
  try {
    for (let i = 0; i < tasks; i++) {
      const response = await fetch(`${server.url}/api/v1/tasks`, {
        method: 'POST',
        headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: `task ${i}: echo ${i}`, agent: 'generic' }),
      });
      if (response.status !== 201) throw new Error(`creating task ${i}: ${response.status}`);
    }
    return await body(server);
  } finally {
    await server.close();
    await rm(stateDir, { recursive: true, force: true });
  }
}

interface Load {
  /** The `GET /api/v1/tasks` response as the page saw it (request start → last byte). */
  fetchMs: number;
  renderedMs: number;
  ttiMs: number;
  inputMs: number;
}

// Browser-side code, as source text: this file is typechecked with Node's libs, not the DOM's.
const RECORD_LONG_TASKS = `
  window.__longTaskEnds = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__longTaskEnds.push(e.startTime + e.duration);
  }).observe({ type: 'longtask', buffered: true });
`;
const MEASURE_LOAD = `(async () => {
  await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  const mark = performance.getEntriesByName('corral:board-rendered')[0];
  const rendered = mark ? mark.startTime : NaN;
  const list = performance.getEntriesByType('resource').find((e) => e.name.endsWith('/api/v1/tasks'));
  return {
    renderedMs: rendered,
    ttiMs: Math.max(rendered, ...window.__longTaskEnds),
    fetchMs: list ? list.responseEnd - list.requestStart : NaN,
  };
})()`;
// Resolves with: a real key event's timestamp → the frame after its input event was handled.
const ARM_INPUT = `window.__inputMs = new Promise((resolve) => {
  const box = document.getElementById('task-prompt');
  let typedAt = 0;
  box.addEventListener('keydown', (e) => { typedAt = e.timeStamp; }, { once: true });
  box.addEventListener('input', () => requestAnimationFrame(() => resolve(performance.now() - typedAt)), { once: true });
}); true`;

async function loadBoard(browser: Browser, server: CorralServer, tasks: number): Promise<Load> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  try {
    await context.addCookies([{ name: 'corral_token', value: server.token, url: server.url }]);
    await context.addInitScript({ content: RECORD_LONG_TASKS });
    const page = await context.newPage();
    await page.goto(`${server.url}/#/board`);
    await page.waitForSelector(`[data-testid="board"][data-count="${tasks}"]`);
    const { renderedMs, ttiMs, fetchMs } = await page.evaluate<Omit<Load, 'inputMs'>>(MEASURE_LOAD);
    await page.getByLabel('Prompt').focus();
    await page.evaluate(ARM_INPUT);
    await page.keyboard.press('x');
    const inputMs = await page.evaluate<number>('window.__inputMs');
    return { fetchMs, renderedMs, ttiMs, inputMs };
  } finally {
    await context.close();
  }
}

const benchmark: Benchmark = {
  title: `Console Board time to interactive (Chromium, ${TASKS} tasks)`,
  async run({ quick }) {
    if (!existsSync(CHROMIUM) || !existsSync(join(consoleAssetsDir(), 'app.js'))) {
      const why = existsSync(CHROMIUM)
        ? `no built console in ${consoleAssetsDir()}: npm run build -w @corral/console`
        : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CORRAL_CHROMIUM)`;
      return [{ name: `SKIPPED: ${why}`, value: 0, unit: 'count' }];
    }
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
    const runs = quick ? 3 : 10;
    try {
      const measure = (tasks: number) =>
        withServer(tasks, async (server) => {
          await loadBoard(browser, server, tasks); // warm-up: caches, JIT
          const loads: Load[] = [];
          for (let i = 0; i < runs; i++) loads.push(await loadBoard(browser, server, tasks));
          return loads;
        });
      const empty = await measure(0);
      const full = await measure(TASKS);
      const base = median(empty.map((l) => l.ttiMs));
      const tti = full.map((l) => l.ttiMs);
      const rows: BenchRow[] = [
        {
          name: `GET /tasks in the page, ${TASKS} tasks p50`,
          value: median(full.map((l) => l.fetchMs)),
          unit: 'ms',
          baseline: { label: 'no tasks', value: median(empty.map((l) => l.fetchMs)) },
        },
        {
          name: `board rendered, ${TASKS} tasks p50`,
          value: median(full.map((l) => l.renderedMs)),
          unit: 'ms',
          baseline: { label: 'no tasks', value: median(empty.map((l) => l.renderedMs)) },
        },
        {
          name: `time to interactive, ${TASKS} tasks p50`,
          value: median(tti),
          unit: 'ms',
          baseline: { label: 'no tasks', value: base },
        },
        {
          name: `time to interactive, ${TASKS} tasks max`,
          value: percentile(tti, 100),
          unit: 'ms',
        },
        {
          name: `key in Prompt → next frame, ${TASKS} tasks p50`,
          value: median(full.map((l) => l.inputMs)),
          unit: 'ms',
          baseline: { label: 'no tasks', value: median(empty.map((l) => l.inputMs)) },
        },
      ];
      return rows;
    } finally {
      await browser.close();
    }
  },
};

export default benchmark;
