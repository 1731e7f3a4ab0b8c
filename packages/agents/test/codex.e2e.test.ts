/**
 * The real Codex 0.171.0 binary (from the install cache) in real bubblewrap sandboxes, against the
 * scripted OpenAI Responses server on loopback, reached only through Corral's gateway. Only the
 * model is scripted. The scripted model comes with a Codex model catalog entry whose
 * `tool_mode` is `direct`, so Codex offers its plain tools (`exec_command` function,
 * `apply_patch` freeform tool) instead of 0.171's "code mode" (decision 0034).
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalProvider, type LocalProvider } from '@corral/sdk';
import { AgentRunner, codex, codexProfile, findInstalled, type AgentEvent } from '@corral/agents';
import { startModelServer, type ModelServer } from './model-server/model-server.js';
import {
  pidNamespaceIn,
  processesInPidNamespace,
  type SandboxProcess,
} from './support/sandbox-processes.js';

const CACHE = process.env.CORRAL_AGENT_CACHE ?? '/var/cache/corral-agents';
const installed = await findInstalled(codex, { cacheDir: CACHE });
const KEY = `sk-openai-test-${Math.random().toString(36).slice(2)}-KNOWNKEY`;
const reversed = [...KEY].reverse().join('');
const MODEL = 'corral-scripted'; // the catalog's one slug
const SKIP_REASON = installed
  ? ''
  : ` (skipped: not installed in ${CACHE}; run \`corral agent install codex\`)`;

/** The fields Codex 0.171 requires of a catalog entry; `"tool_mode": "direct"` turns code mode off. */
const CATALOG = JSON.parse(
  await readFile(new URL('./model-server/codex-model-catalog.json', import.meta.url), 'utf8'),
) as { models: unknown[] };

const PATCH = [
  '*** Begin Patch',
  '*** Update File: hello.txt',
  '@@',
  '-hello',
  '+goodbye',
  '*** End Patch',
  '',
].join('\n');

describe.skipIf(!installed)(
  `Codex ${codex.npm?.version} in a bubblewrap sandbox${SKIP_REASON}`,
  // a real agent start is seconds of CPU; on a shared 2-core box the default 30 s is not enough
  { timeout: 150_000 },
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
        join(process.getuid?.() === 0 ? '/var/lib' : '/tmp', 'corral-codex-'),
      );
      gatewayDir = join(stateDir, 'gateways');
      provider = createLocalProvider({ stateDir });
      server = await startModelServer({ key: KEY });
      runner = new AgentRunner({
        provider,
        cacheDir: CACHE,
        gatewayDir,
        profiles: [codexProfile({ modelCatalog: CATALOG })],
        upstreams: { openai: { url: server.url, apiKey: KEY } },
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
      const dir = await mkdtemp('/tmp/corral-codex-ws-');
      workspaces.push(dir);
      await writeFile(join(dir, 'hello.txt'), 'hello\n');
      return dir;
    }

    async function expectNothingLeaked() {
      expect(await provider.list()).toEqual([]);
      expect(await readdir(gatewayDir).catch(() => [])).toEqual([]);
    }

    const types = (events: AgentEvent[]) => events.map((e) => e.type);
    const toolNames = (body: Record<string, unknown>) =>
      (body.tools as { name?: string }[]).map((t) => t.name);

    it('reads, edits with apply_patch, runs a command and finishes', async () => {
      const dir = await workspace();
      server.setScript([
        { tool: 'exec_command', input: { cmd: 'cat hello.txt' } },
        { custom: 'apply_patch', input: PATCH },
        { tool: 'exec_command', input: { cmd: 'cat hello.txt && echo "ran in $PWD"' } },
        { text: 'All done.' },
      ]);
      const before = server.requests.length;
      const run = await runner.run({
        agent: 'codex',
        taskId: 'codex-exec',
        prompt: 'Change hello to goodbye in hello.txt',
        workspace: { dir },
        model: MODEL,
        timeoutMs: 140_000,
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
        ...Array<string[]>(3).fill(['tool.call', 'tool.result']).flat(),
        'assistant.text',
        'usage',
        'result',
        'file.changed',
      ]);
      const calls = events.filter((e) => e.type === 'tool.call');
      expect(calls.map((c) => c.name)).toEqual(['shell', 'apply_patch', 'shell']);
      const results = events.filter((e) => e.type === 'tool.result');
      expect(results.every((r) => r.ok)).toBe(true);
      expect(results[0]!.output).toBe('hello\n');
      expect(results[2]!.output).toBe('goodbye\nran in /work/repo\n');
      // plain tools, not code mode; every request reached the "real API" with the key the gateway added
      const made = server.requests.slice(before).filter((r) => r.scripted);
      expect(made).toHaveLength(4);
      expect(toolNames(made[0]!.body)).toEqual(
        expect.arrayContaining(['exec_command', 'apply_patch']),
      );
      expect(toolNames(made[0]!.body)).not.toContain('exec');
      expect(made.every((r) => r.headers.authorization === `Bearer ${KEY}`)).toBe(true);
      expect(record.usage).toMatchObject({ inputTokens: 400, outputTokens: 80, turns: 4 });
      expect(await readFile(join(dir, 'hello.txt'), 'utf8')).toBe('hello\n'); // host copy untouched
      await expectNothingLeaked();
    });

    it('the key never enters the sandbox, yet Codex authenticates', async () => {
      const dir = await workspace();
      // The same scan as the Claude Code test: the key comes from a pipe (never an argv or env)
      // and is searched for in every process' environment and argv, and every file the sandbox
      // can see except the agent binary and the host's read-only /usr (the workspace and HOME
      // are under /work). After SCAN-DONE come the positive control (how many environments
      // hold Codex's configuration: they could be read) and the sandbox's pid namespace.
      const scan =
        `printf %s '${reversed}' | rev | grep -rlaF -f - /proc/[0-9]*/environ /proc/[0-9]*/cmdline ` +
        `/work /tmp /etc /opt/corral/gateway 2>/dev/null; echo SCAN-DONE; ` +
        `grep -laF CODEX_HOME= /proc/[0-9]*/environ 2>/dev/null | wc -l; readlink /proc/self/ns/pid`;
      // While Codex waits for the answer to the scan's output, its whole process tree is alive:
      // the host reads every process of the sandbox, the ones the scan inside cannot read too.
      let fromHost: SandboxProcess[] = [];
      server.setScript([
        { tool: 'exec_command', input: { cmd: scan, yield_time_ms: 30_000 } },
        {
          text: 'Scanned.',
          before: async (request) => {
            const ns = pidNamespaceIn(JSON.stringify(request.body.input));
            if (ns) fromHost = await processesInPidNamespace(ns);
          },
        },
      ]);
      const before = server.requests.length;
      const run = await runner.run({
        agent: 'codex',
        taskId: 'codex-key',
        prompt: 'Scan the sandbox',
        workspace: { dir },
        model: MODEL,
        timeoutMs: 140_000,
      });
      const events: AgentEvent[] = [];
      for await (const e of run.events()) events.push(e);
      const record = await run.finished();

      expect(record.state, JSON.stringify(record.error)).toBe('succeeded');
      expect(record.text).toBe('Scanned.');
      const results = events.filter((e) => e.type === 'tool.result');
      expect(results).toHaveLength(1);
      const scanOut = results[0]!.output.trim().split('\n');
      expect(scanOut[0]).toBe('SCAN-DONE'); // no file, environ or cmdline holds the key
      expect(Number(scanOut[1])).toBeGreaterThan(0); // ... and the scan could read environments
      // the host saw the sandbox (Codex, the bridge and the runner) and could read its environments
      const comms = fromHost.map((p) => p.comm);
      expect(comms).toContain('codex');
      expect(comms).toContain('node'); // the runner
      // the bridge (Python's where the host has it, else node's)
      expect(fromHost.some((p) => /bridge\.(py|mjs)/.test(p.cmdline.toString()))).toBe(true);
      expect(fromHost.some((p) => p.environ.includes('CODEX_HOME='))).toBe(true);
      for (const p of fromHost) {
        expect(p.environ.includes(KEY), `environ of ${p.comm} (${p.pid})`).toBe(false);
        expect(p.cmdline.includes(KEY), `cmdline of ${p.comm} (${p.pid})`).toBe(false);
      }
      // the gateway added the key on the way out: every request reached the "real API" with it
      const made = server.requests.slice(before);
      expect(made.filter((r) => r.scripted)).toHaveLength(2);
      expect(made.every((r) => r.headers.authorization === `Bearer ${KEY}`)).toBe(true);
      await expectNothingLeaked();
    });

    it('plan (read-only) → approve → execute resumes the same Codex session', async () => {
      const dir = await workspace();
      server.setScript([
        { tool: 'exec_command', input: { cmd: 'cat hello.txt' } },
        { text: '1. Replace hello with goodbye in hello.txt' },
      ]);
      const before = server.requests.length;
      const run = await runner.run({
        agent: 'codex',
        taskId: 'codex-plan',
        prompt: 'Change hello to goodbye in hello.txt',
        workspace: { dir },
        mode: 'plan',
        model: MODEL,
        timeoutMs: 140_000,
      });
      const planned = await run.wait();
      expect(planned.state, JSON.stringify(planned.error)).toBe('awaiting-approval');
      expect(planned.plan).toBe('1. Replace hello with goodbye in hello.txt');
      const planRequest = server.requests.slice(before).find((r) => r.scripted)!;
      expect(JSON.stringify(planRequest.body.input)).toContain('PLAN ONLY');

      server.setScript([{ custom: 'apply_patch', input: PATCH }, { text: 'Executed.' }]);
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
      const history = JSON.stringify(exec.body.input);
      expect(history).toContain('Replace hello with goodbye');
      expect(history).toContain('keep it short');
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
      await expectNothingLeaked();
    });
  },
);
