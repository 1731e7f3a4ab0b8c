/**
 * `maxTokens` and `maxCostUsd`, enforced on Corral's gateway with the real Claude Code binary in
 * a real bubblewrap sandbox: the scripted model reports 100 input / 20 output tokens per answer,
 * the gateway counts them as they stream past and stops the run once a limit is passed. The
 * agent is stopped with it (the next request is never forwarded), the record says which limit,
 * and nothing is left.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalProvider, type LocalProvider } from '@corral/sdk';
import { AgentRunner, claudeCode, findInstalled, type AgentEvent } from '@corral/agents';
import { startModelServer, type ModelServer } from './model-server/model-server.js';

const CACHE = process.env.CORRAL_AGENT_CACHE ?? '/var/cache/corral-agents';
const installed = await findInstalled(claudeCode, { cacheDir: CACHE });
const KEY = `sk-ant-limits-${Math.random().toString(36).slice(2)}`;
const SKIP_REASON = installed
  ? ''
  : ` (skipped: not installed in ${CACHE}; run \`corral agent install claude-code\`)`;

describe.skipIf(!installed)(
  `Claude Code ${claudeCode.npm?.version} run limits${SKIP_REASON}`,
  // a real agent start is seconds of CPU; on a shared 2-core box the default 30 s is not enough
  { timeout: 150_000 },
  () => {
    let stateDir: string;
    let gatewayDir: string;
    let provider: LocalProvider;
    let server: ModelServer;
    let runner: AgentRunner;
    let work: string;

    beforeAll(async () => {
      // under /var/lib so the sandbox's dropped uid can traverse it when tests run as root
      stateDir = await mkdtemp(
        join(process.getuid?.() === 0 ? '/var/lib' : '/tmp', 'corral-agent-limits-'),
      );
      gatewayDir = join(stateDir, 'gateways');
      provider = createLocalProvider({ stateDir });
      server = await startModelServer({ key: KEY, usage: { input: 100, output: 20 } });
      // the default pricing ($15 / $75 per million tokens): one answer costs $0.003
      runner = new AgentRunner({
        provider,
        cacheDir: CACHE,
        gatewayDir,
        upstreams: { anthropic: { url: server.url, apiKey: KEY } },
      });
      work = await mkdtemp('/tmp/corral-agent-limits-ws-');
      await writeFile(join(work, 'hello.txt'), 'hello\n');
    });

    afterAll(async () => {
      await runner?.close();
      await provider?.close();
      await server?.close();
      if (stateDir) await rm(stateDir, { recursive: true, force: true });
      if (work) await rm(work, { recursive: true, force: true });
    });

    async function expectNothingLeaked() {
      expect(await provider.list()).toEqual([]);
      expect(await readdir(gatewayDir).catch(() => [])).toEqual([]);
    }

    // three tool turns and an answer: the limits below are passed after the second answer
    const SCRIPT = [
      { tool: 'Read', input: { file_path: '/work/repo/hello.txt' } },
      { tool: 'Bash', input: { command: 'echo one', description: 'one' } },
      { tool: 'Bash', input: { command: 'echo two', description: 'two' } },
      { text: 'never reached' },
    ];

    async function limitedRun(taskId: string, limit: { maxTokens?: number; maxCostUsd?: number }) {
      server.setScript(SCRIPT);
      const before = server.requests.length;
      const run = await runner.run({
        agent: 'claude-code',
        taskId,
        prompt: 'Look at hello.txt',
        workspace: { dir: work },
        timeoutMs: 120_000,
        ...limit,
      });
      const events: AgentEvent[] = [];
      for await (const e of run.events()) events.push(e);
      const record = await run.finished();
      const scripted = server.requests.slice(before).filter((r) => r.scripted);
      return { events, record, scripted };
    }

    const fatal = (events: AgentEvent[]) =>
      events.filter((e) => e.type === 'error' && e.fatal).map((e) => e.type === 'error' && e.code);

    it('maxTokens: the run stops once the counted tokens pass it, with BUDGET_EXCEEDED naming the limit', async () => {
      const { events, record, scripted } = await limitedRun('limit-tokens', { maxTokens: 200 });
      expect(record.state).toBe('failed');
      expect(record.error).toEqual({
        code: 'BUDGET_EXCEEDED',
        message:
          'the run used 240 tokens, its maxTokens is 200; raise maxTokens if the task needs more',
      });
      // two answers were forwarded and counted; the agent was stopped before a third reached the API
      expect(scripted.map((r) => r.status)).toEqual([200, 200]);
      expect(record.usage).toMatchObject({ inputTokens: 200, outputTokens: 40, turns: 2 });
      expect(events[0]).toMatchObject({ type: 'session.started' });
      expect(events.filter((e) => e.type === 'tool.call').map((e) => e.name)[0]).toBe('Read');
      expect(fatal(events)).toContain('BUDGET_EXCEEDED');
      expect(events.find((e) => e.type === 'result')).toMatchObject({ ok: false });
      await expectNothingLeaked();
    });

    it('maxCostUsd: the run stops once the cost passes it, with BUDGET_EXCEEDED naming the limit', async () => {
      const { events, record, scripted } = await limitedRun('limit-cost', { maxCostUsd: 0.005 });
      expect(record.state).toBe('failed');
      expect(record.error).toEqual({
        code: 'BUDGET_EXCEEDED',
        message:
          'the run cost $0.0060, its maxCostUsd is $0.005; raise maxCostUsd if the task needs more',
      });
      expect(scripted.map((r) => r.status)).toEqual([200, 200]);
      expect(record.usage.costUsd).toBeCloseTo(0.006, 6);
      expect(fatal(events)).toContain('BUDGET_EXCEEDED');
      await expectNothingLeaked();
    });
  },
);
