/**
 * `corral serve` API: `GET /api/v1/sandboxes` with 200 sandboxes (an in-memory provider holding
 * 200 sandbox records: it measures the server, not the local provider's disk reads), agent events
 * reaching SSE clients (a real generic-agent run in bubblewrap printing its own clock; 1 and 100
 * concurrent clients on the same run), and the RSS of the bench process with an idle server.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SandboxInfo, SandboxProvider } from '../../packages/sdk/src/index.js';
import { startServer } from '../../packages/server/src/index.js';
import { type Benchmark, median, nowMs, percentile } from '../lib.js';

function recordsProvider(count: number): SandboxProvider {
  const infos: SandboxInfo[] = Array.from({ length: count }, (_, i) => ({
    id: `sbx-${String(i).padStart(4, '0')}`,
    provider: 'local',
    state: 'running',
    createdAt: new Date(Date.now() - i * 1000),
    isolation: {
      level: 'bubblewrap',
      detail: 'bench',
      network: { mode: 'none' },
      limitsApplied: {},
      warnings: [],
    },
    labels: { team: 'bench', index: String(i) },
    owner: 'bench',
    metadata: {},
  }));
  return {
    name: 'local',
    capabilities: () => ({
      isolation: 'bubblewrap',
      network: ['none'],
      resourceLimits: false,
      warmPool: false,
      suspend: false,
      persistent: false,
    }),
    create: () => Promise.reject(new RangeError('records only')),
    get: () => Promise.resolve(undefined),
    list: () => Promise.resolve(infos),
    delete: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}

async function sseLatencies(
  url: string,
  token: string,
  clients: number,
  lines: number,
): Promise<number[]> {
  const h = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const script = `for i in $(seq 1 ${lines}); do date +%s%3N; sleep 0.02; done`;
  const task = (await (
    await fetch(`${url}/api/v1/tasks`, {
      method: 'POST',
      headers: h,
      body: JSON.stringify({ prompt: script, agent: 'generic' }),
    })
  ).json()) as { id: string };
  // the events route follows the task's current run: start first (sandbox creation takes far
  // longer than connecting, so every client is connected before the first line)
  await fetch(`${url}/api/v1/tasks/${task.id}/start`, { method: 'POST', headers: h });
  const readers = Array.from({ length: clients }, async () => {
    const res = await fetch(`${url}/api/v1/tasks/${task.id}/events`, { headers: h });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    const out: number[] = [];
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return out;
      const now = Date.now();
      buffer += decoder.decode(value, { stream: true });
      for (const m of buffer.matchAll(/event: assistant\.text\ndata: (.*)\n/g)) {
        const text = (JSON.parse(m[1]!) as { text: string }).text;
        if (/^\d{13}$/.test(text)) out.push(now - Number(text));
      }
      const end = buffer.lastIndexOf('\n\n');
      if (end >= 0) buffer = buffer.slice(end + 2);
    }
  });
  return (await Promise.all(readers)).flat();
}

const bench: Benchmark = {
  title: 'corral serve API',
  async run({ quick }) {
    const base = await mkdtemp(join(tmpdir(), 'corral-bench-serve-'));
    await chmod(base, 0o711);
    const list = await startServer({
      stateDir: join(base, 'list'),
      port: 0,
      localProvider: recordsProvider(200),
    });
    const runs = await startServer({ stateDir: join(base, 'runs'), port: 0 });
    try {
      const h = { authorization: `Bearer ${list.token}` };
      const samples: number[] = [];
      for (let i = 0; i < (quick ? 60 : 300); i++) {
        const start = nowMs();
        const body = (await (
          await fetch(`${list.url}/api/v1/sandboxes`, { headers: h })
        ).json()) as { items: unknown[] };
        samples.push(nowMs() - start);
        if (body.items.length !== 200)
          throw new RangeError(`expected 200 sandboxes, got ${body.items.length}`);
      }
      const warm = samples.slice(10);
      const one = await sseLatencies(runs.url, runs.token, 1, quick ? 30 : 100);
      const hundred = await sseLatencies(runs.url, runs.token, 100, quick ? 20 : 50);
      const p99one = percentile(one, 99);
      return [
        { name: 'GET /sandboxes (200) p50', value: median(warm), unit: 'ms' },
        { name: 'GET /sandboxes (200) p99', value: percentile(warm, 99), unit: 'ms' },
        { name: 'agent line → SSE client p50 (1 client)', value: median(one), unit: 'ms' },
        {
          name: 'agent line → SSE client p99 (1 client)',
          value: p99one,
          unit: 'ms',
          goal: { text: '< 50 ms', met: p99one < 50 },
        },
        {
          name: 'agent line → SSE client p99 (100 clients)',
          value: percentile(hundred, 99),
          unit: 'ms',
        },
        { name: 'events received by 100 clients', value: hundred.length, unit: 'count' },
        {
          name: 'bench process RSS, servers idle',
          value: process.memoryUsage().rss / 1e6,
          unit: 'MB',
        },
      ];
    } finally {
      await list.close();
      await runs.close();
      await rm(base, { recursive: true, force: true });
    }
  },
};

export default bench;
