/**
 * The real Claude Code binary (from the install cache) in real bubblewrap sandboxes, against the
 * scripted Anthropic Messages server on loopback, reached only through Corral's gateway (unix
 * socket bound into the sandbox + in-sandbox loopback bridge). Only the model is scripted.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalProvider, type LocalProvider } from '@corral/sdk';
import { AgentRunner, claudeCode, findInstalled, type AgentEvent } from '@corral/agents';
import { startModelServer, type ModelServer } from './model-server/model-server.js';
import {
  pidNamespaceIn,
  processesInPidNamespace,
  type SandboxProcess,
} from './support/sandbox-processes.js';

const CACHE = process.env.CORRAL_AGENT_CACHE ?? '/var/cache/corral-agents';
const installed = await findInstalled(claudeCode, { cacheDir: CACHE });
const KEY = `sk-ant-test-${Math.random().toString(36).slice(2)}-KNOWNKEY`;
const reversed = [...KEY].reverse().join('');

// the skip states its reason in the title when the agent is not in the cache
const SKIP_REASON = installed
  ? ''
  : ` (skipped: not installed in ${CACHE}; run \`corral agent install claude-code\`)`;

describe.skipIf(!installed)(
  `Claude Code ${claudeCode.npm?.version} in a bubblewrap sandbox${SKIP_REASON}`,
  // a real agent start is seconds of CPU; on a shared 2-core box the default 30 s is not enough
  { timeout: 120_000 },
  () => {
    let stateDir: string;
    let gatewayDir: string;
    let provider: LocalProvider;
    let server: ModelServer;
    let runner: AgentRunner;
    const workspaces: string[] = [];

    beforeAll(async () => {
      // under /var/lib so the sandbox's dropped uid can traverse it when tests run as root
      stateDir = await mkdtemp(
        join(process.getuid?.() === 0 ? '/var/lib' : '/tmp', 'corral-agents-'),
      );
      gatewayDir = join(stateDir, 'gateways');
      provider = createLocalProvider({ stateDir });
      server = await startModelServer({ key: KEY });
      runner = new AgentRunner({
        provider,
        cacheDir: CACHE,
        gatewayDir,
        upstreams: { anthropic: { url: server.url, apiKey: KEY } },
      });
    });

    afterAll(async () => {
      await runner?.close();
      await provider?.close();
      await server?.close();
      if (stateDir) await rm(stateDir, { recursive: true, force: true });
      for (const dir of workspaces) await rm(dir, { recursive: true, force: true });
    });

    async function workspace() {
      const dir = await mkdtemp('/tmp/corral-agents-ws-');
      workspaces.push(dir);
      await writeFile(join(dir, 'hello.txt'), 'hello\n');
      return dir;
    }

    async function expectNothingLeaked() {
      expect(await provider.list()).toEqual([]);
      expect(await readdir(gatewayDir).catch(() => [])).toEqual([]);
    }

    const types = (events: AgentEvent[]) => events.map((e) => e.type);

    it('reads, edits, runs a command and finishes; the key never enters the sandbox', async () => {
      const dir = await workspace();
      // The scan reads the key from a pipe (never an argv or env), over every process'
      // environment and argv, and every file the sandbox can see except the agent binary and
      // the host's read-only /usr. The second grep is the positive control: it must find the
      // agent's own environment.
      const scan =
        `printf %s '${reversed}' | rev | grep -rlaF -f - /proc/[0-9]*/environ /proc/[0-9]*/cmdline ` +
        `/work /tmp /etc /opt/corral/gateway 2>/dev/null; echo SCAN-DONE; ` +
        `grep -laF ANTHROPIC_BASE_URL= /proc/[0-9]*/environ 2>/dev/null | wc -l; ` +
        `readlink /proc/self/ns/pid`;
      // While the agent waits for the answer to the scan's output, its whole process tree is
      // alive: the host reads every process of the sandbox, the ones the scan inside cannot too.
      let fromHost: SandboxProcess[] = [];
      server.setScript([
        { tool: 'Read', input: { file_path: '/work/repo/hello.txt' } },
        {
          tool: 'Edit',
          input: { file_path: '/work/repo/hello.txt', old_string: 'hello', new_string: 'goodbye' },
        },
        { tool: 'Bash', input: { command: scan, description: 'scan' } },
        {
          tool: 'Bash',
          input: { command: 'cat hello.txt', description: 'show' },
          before: async (request) => {
            const ns = pidNamespaceIn(JSON.stringify(request.body.messages));
            if (ns) fromHost = await processesInPidNamespace(ns);
          },
        },
        { text: 'All done.' },
      ]);
      const before = server.requests.length;
      const run = await runner.run({
        agent: 'claude-code',
        taskId: 'cc-exec',
        prompt: 'Change hello to goodbye in hello.txt',
        workspace: { dir },
        timeoutMs: 120_000,
      });
      const events: AgentEvent[] = [];
      for await (const e of run.events()) events.push(e);
      const record = await run.finished();

      expect(record.state, JSON.stringify(record.error)).toBe('succeeded');
      expect(record.text).toBe('All done.');
      expect(record.files).toEqual([{ path: 'hello.txt', change: 'modified' }]);
      expect(record.diff).toContain('-hello\n+goodbye\n');
      expect(types(events)).toEqual([
        'session.started',
        ...Array<string[]>(4).fill(['tool.call', 'tool.result']).flat(),
        'assistant.text',
        'usage',
        'result',
        'file.changed',
      ]);
      const calls = events.filter((e) => e.type === 'tool.call');
      expect(calls.map((c) => c.name)).toEqual(['Read', 'Edit', 'Bash', 'Bash']);
      const results = events.filter((e) => e.type === 'tool.result');
      expect(results.every((r) => r.ok)).toBe(true);
      const scanOut = results[2]!.output.trim().split('\n');
      expect(scanOut[0]).toBe('SCAN-DONE'); // no file, environ or cmdline holds the key
      expect(Number(scanOut[1])).toBeGreaterThan(0); // ... and the scan could read environments
      // the host saw the sandbox (the agent, the bridge and the runner) and could read them
      expect(fromHost.length).toBeGreaterThanOrEqual(3);
      expect(fromHost.some((p) => p.environ.includes('ANTHROPIC_BASE_URL='))).toBe(true);
      for (const p of fromHost) {
        expect(p.environ.includes(KEY), `environ of ${p.comm} (${p.pid})`).toBe(false);
        expect(p.cmdline.includes(KEY), `cmdline of ${p.comm} (${p.pid})`).toBe(false);
      }
      expect(results[3]!.output.trim()).toBe('goodbye');
      // the agent authenticated: every request reached the "real API" with the key the gateway added
      const made = server.requests.slice(before);
      expect(made.filter((r) => r.scripted)).toHaveLength(5);
      expect(made.every((r) => r.headers['x-api-key'] === KEY)).toBe(true);
      // tokens counted on the gateway: 5 answers of 100 in / 20 out
      expect(record.usage).toMatchObject({ inputTokens: 500, outputTokens: 100, turns: 5 });
      expect(await readFile(join(dir, 'hello.txt'), 'utf8')).toBe('hello\n'); // host copy untouched
      await expectNothingLeaked();
    });

    it('plan → approve → execute resumes the same session; the plan run changes nothing', async () => {
      const dir = await workspace();
      // headless plan mode has no ExitPlanMode tool: the plan is the agent's final answer
      server.setScript([
        { tool: 'Read', input: { file_path: '/work/repo/hello.txt' } },
        { text: '1. Replace hello with goodbye in hello.txt\n2. Show the file' },
      ]);
      const before = server.requests.length;
      const run = await runner.run({
        agent: 'claude-code',
        taskId: 'cc-plan',
        prompt: 'Change hello to goodbye in hello.txt',
        workspace: { dir },
        mode: 'plan',
        timeoutMs: 120_000,
      });
      const planned = await run.wait();
      expect(planned.state, JSON.stringify(planned.error)).toBe('awaiting-approval');
      expect(planned.plan).toBe('1. Replace hello with goodbye in hello.txt\n2. Show the file');
      const planRequest = server.requests.slice(before).find((r) => r.scripted)!;
      const toolNames = (planRequest.body.tools as { name: string }[]).map((t) => t.name);
      expect(toolNames).not.toContain('ExitPlanMode');

      server.setScript([
        {
          tool: 'Edit',
          input: { file_path: '/work/repo/hello.txt', old_string: 'hello', new_string: 'goodbye' },
        },
        { tool: 'Bash', input: { command: 'cat hello.txt', description: 'show' } },
        { text: 'Executed.' },
      ]);
      const afterPlan = server.requests.length;
      await run.approve('keep it short');
      const record = await run.finished();
      expect(record.state, JSON.stringify(record.error)).toBe('succeeded');
      expect(record.text).toBe('Executed.');
      expect(record.files).toEqual([{ path: 'hello.txt', change: 'modified' }]);
      expect(record.diff).toContain('+goodbye');

      const events: AgentEvent[] = [];
      for await (const e of run.events()) events.push(e);
      const t = types(events);
      expect(t.slice(0, t.indexOf('awaiting.approval') + 1)).toEqual([
        'session.started',
        'tool.call',
        'tool.result',
        'assistant.text',
        'usage',
        'plan.ready',
        'result',
        'awaiting.approval',
      ]);
      const sessions = events.filter((e) => e.type === 'session.started');
      expect(sessions).toHaveLength(2);
      expect(sessions[1]!.sessionId).toBe(sessions[0]!.sessionId);
      // resumed, not restarted: the execute request carries the plan phase's conversation
      const exec = server.requests.slice(afterPlan).find((r) => r.scripted)!;
      const history = JSON.stringify(exec.body.messages);
      expect(history).toContain('Replace hello with goodbye');
      expect(history).toContain('keep it short');
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
      await expectNothingLeaked();
    });

    it('a rejected plan ends the run and deletes the sandbox', async () => {
      const dir = await workspace();
      server.setScript([{ text: '1. Do nothing' }]);
      const run = await runner.run({
        agent: 'claude-code',
        taskId: 'cc-reject',
        prompt: 'Plan something',
        workspace: { dir },
        mode: 'plan',
        timeoutMs: 120_000,
      });
      expect((await run.wait()).state).toBe('awaiting-approval');
      // idempotent by task id: the same request is the same run; other options are a conflict
      const again = await runner.run({
        agent: 'claude-code',
        taskId: 'cc-reject',
        prompt: 'Plan something',
        workspace: { dir },
        mode: 'plan',
        timeoutMs: 120_000,
      });
      expect(again).toBe(run);
      await expect(
        runner.run({ agent: 'claude-code', taskId: 'cc-reject', prompt: 'x', workspace: { dir } }),
      ).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(await provider.list()).toHaveLength(1);
      const record = await run.reject();
      expect(record.state).toBe('rejected');
      expect(record.files).toEqual([]);
      await expectNothingLeaked();
    });

    it('a refused key is a clear API_KEY_REFUSED error', async () => {
      const dir = await workspace();
      const wrong = new AgentRunner({
        provider,
        cacheDir: CACHE,
        gatewayDir,
        upstreams: { anthropic: { url: server.url, apiKey: 'sk-wrong' } },
      });
      server.setScript([{ text: 'never reached' }]);
      const run = await wrong.run({
        agent: 'claude-code',
        taskId: 'cc-401',
        prompt: 'hi',
        workspace: { dir },
        timeoutMs: 120_000,
      });
      const record = await run.finished();
      expect(record.state).toBe('failed');
      expect(record.error).toMatchObject({
        code: 'API_KEY_REFUSED',
        message: expect.stringContaining('the API key was refused'),
      });
      await expectNothingLeaked();
    });

    it('a workspace that does not exist is refused before any sandbox is made', async () => {
      await expect(
        runner.run({
          agent: 'claude-code',
          taskId: 'cc-nows',
          prompt: 'hi',
          workspace: { dir: '/nonexistent/corral-ws' },
        }),
      ).rejects.toMatchObject({ code: 'WORKSPACE_NOT_FOUND' });
      await expectNothingLeaked();
    });
  },
);
