/**
 * A plan run resumed from its checkpoint in a new sandbox, as a restarted server does: the real
 * Claude Code (install cache) in bubblewrap, against the scripted Anthropic server on loopback.
 * The first runner lets its run go after the checkpoint (its sandbox deleted); a second runner,
 * as after a restart, resumes from the encoded checkpoint and the agent continues its session.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalProvider, type LocalProvider } from '@corral/sdk';
import {
  AgentRunner,
  claudeCode,
  decodeCheckpoint,
  encodeCheckpoint,
  findInstalled,
  type AgentEvent,
} from '@corral/agents';
import { startModelServer, type ModelServer } from './model-server/model-server.js';

const CACHE = process.env.CORRAL_AGENT_CACHE ?? '/var/cache/corral-agents';
const installed = await findInstalled(claudeCode, { cacheDir: CACHE });
const KEY = `sk-ant-test-${Math.random().toString(36).slice(2)}`;
const SKIP_REASON = installed
  ? ''
  : ` (skipped: not installed in ${CACHE}; run \`corral agent install claude-code\`)`;

describe.skipIf(!installed)(
  `a Claude Code plan resumed from its checkpoint${SKIP_REASON}`,
  // a real agent start is seconds of CPU; on a shared 2-core box the default 30 s is not enough
  { timeout: 180_000 },
  () => {
    let stateDir: string;
    let dir: string;
    let provider: LocalProvider;
    let server: ModelServer;
    const runners: AgentRunner[] = [];
    const runner = () => {
      const r = new AgentRunner({
        provider,
        cacheDir: CACHE,
        gatewayDir: join(stateDir, 'gateways'),
        upstreams: { anthropic: { url: server.url, apiKey: KEY } },
      });
      runners.push(r);
      return r;
    };

    beforeAll(async () => {
      stateDir = await mkdtemp(
        join(process.getuid?.() === 0 ? '/var/lib' : '/tmp', 'corral-agents-ckpt-'),
      );
      dir = await mkdtemp('/tmp/corral-agents-ckpt-ws-');
      await writeFile(join(dir, 'hello.txt'), 'hello\n');
      provider = createLocalProvider({ stateDir });
      server = await startModelServer({ key: KEY });
    });

    afterAll(async () => {
      for (const r of runners) await r.close();
      await provider?.close();
      await server?.close();
      if (stateDir) await rm(stateDir, { recursive: true, force: true });
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('approve after the checkpoint continues the same session on the workspace the plan saw', async () => {
      server.setScript([
        { tool: 'Read', input: { file_path: '/work/repo/hello.txt' } },
        { text: '1. Replace hello with goodbye in hello.txt' },
      ]);
      const first = await runner().run({
        agent: 'claude-code',
        taskId: 'cc-ckpt',
        prompt: 'Change hello to goodbye in hello.txt',
        workspace: { dir },
        mode: 'plan',
        timeoutMs: 150_000,
      });
      const planned = await first.wait();
      expect(planned.state, JSON.stringify(planned.error)).toBe('awaiting-approval');
      const saved = encodeCheckpoint(await first.checkpoint());
      const sessionId = (await firstSession(first.events())).sessionId;
      // the process holding the run goes away: its sandbox with it
      await first.cancel();
      expect(await provider.list()).toEqual([]);
      // and the host copy changes meanwhile; the plan was made against "hello"
      await writeFile(join(dir, 'hello.txt'), 'changed on the host\n');

      const checkpoint = decodeCheckpoint(saved);
      expect(checkpoint).toMatchObject({ agent: 'claude-code', sessionId, plan: planned.plan });
      const resumed = await runner().resume(checkpoint);
      expect(resumed.state).toBe('awaiting-approval');
      expect((await resumed.wait()).plan).toBe(planned.plan);
      // nothing is held while a person decides
      expect(await provider.list()).toEqual([]);

      server.setScript([
        {
          tool: 'Edit',
          input: { file_path: '/work/repo/hello.txt', old_string: 'hello', new_string: 'goodbye' },
        },
        { text: 'Executed.' },
      ]);
      const afterPlan = server.requests.length;
      await resumed.approve('keep it short');
      const record = await resumed.finished();
      expect(record.state, JSON.stringify(record.error)).toBe('succeeded');
      expect(record.files).toEqual([{ path: 'hello.txt', change: 'modified' }]);
      expect(record.diff).toContain('-hello');
      expect(record.diff).toContain('+goodbye');
      const events: AgentEvent[] = [];
      for await (const e of resumed.events()) events.push(e);
      expect(events.find((e) => e.type === 'session.started')).toMatchObject({ sessionId });
      // resumed, not restarted: the execute request carries the plan phase's conversation
      const exec = server.requests.slice(afterPlan).find((r) => r.scripted)!;
      const history = JSON.stringify(exec.body.messages);
      expect(history).toContain('Replace hello with goodbye');
      expect(history).toContain('keep it short');
      expect(await provider.list()).toEqual([]);
      expect(await readdir(join(stateDir, 'gateways')).catch(() => [])).toEqual([]);
    });

    it('reject after resuming ends the run without making a sandbox', async () => {
      server.setScript([{ text: '1. Nothing to do' }]);
      const first = await runner().run({
        agent: 'claude-code',
        taskId: 'cc-ckpt-reject',
        prompt: 'Plan nothing',
        workspace: { dir },
        mode: 'plan',
        timeoutMs: 150_000,
      });
      expect((await first.wait()).state).toBe('awaiting-approval');
      const checkpoint = decodeCheckpoint(encodeCheckpoint(await first.checkpoint()));
      await first.cancel();
      const resumed = await runner().resume(checkpoint);
      expect((await resumed.reject()).state).toBe('rejected');
      expect(await provider.list()).toEqual([]);
      expect(() => decodeCheckpoint(encodeCheckpoint(checkpoint).subarray(0, 100))).toThrow(
        /not a valid run checkpoint/,
      );
    });
  },
);

async function firstSession(events: AsyncIterable<AgentEvent>) {
  for await (const e of events) if (e.type === 'session.started') return e;
  throw new Error('no session.started event');
}
