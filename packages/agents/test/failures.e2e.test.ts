/**
 * How agent runs fail, with the real Claude Code binary (from the install cache) in real
 * bubblewrap sandboxes against the scripted Anthropic server on loopback: the model API answers
 * 500 every time, 429 with Retry-After once, the agent is killed, the model never answers or
 * stalls mid-stream, the repo cannot be cloned. Each case checks the record (state, code, a
 * message that says what to do), the events, and that nothing is left: no sandbox, no gateway
 * directory, no open upstream answer. One runner and one model server serve every case.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalProvider, type LocalProvider } from '@corral/sdk';
import {
  AgentRunner,
  claudeCode,
  codex,
  codexProfile,
  findInstalled,
  type AgentEvent,
  type AgentRun,
} from '@corral/agents';
import { startModelServer, type ModelServer } from './model-server/model-server.js';

const CACHE = process.env.CORRAL_AGENT_CACHE ?? '/var/cache/corral-agents';
const installed = await findInstalled(claudeCode, { cacheDir: CACHE });
const KEY = `sk-ant-fail-${Math.random().toString(36).slice(2)}`;
const SKIP_REASON = installed
  ? ''
  : ` (skipped: not installed in ${CACHE}; run \`corral agent install claude-code\`)`;
const run$ = promisify(execFile);
const codexInstalled = await findInstalled(codex, { cacheDir: CACHE });

describe.skipIf(!installed)(
  `Claude Code ${claudeCode.npm?.version} failure cases${SKIP_REASON}`,
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
        join(process.getuid?.() === 0 ? '/var/lib' : '/tmp', 'corral-agent-fail-'),
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
      work = await mkdtemp('/tmp/corral-agent-fail-ws-');
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
      // the gateway let go of every upstream answer it was waiting for
      expect(server.openStalls).toBe(0);
    }

    async function runToEnd(taskId: string, extra: { timeoutMs?: number } = {}) {
      const before = server.requests.length;
      const run = await runner.run({
        agent: 'claude-code',
        taskId,
        prompt: 'Change hello to goodbye in hello.txt',
        workspace: { dir: work },
        timeoutMs: extra.timeoutMs ?? 120_000,
      });
      const events = await collect(run);
      const record = await run.finished();
      return { run, events, record, made: () => server.requests.slice(before) };
    }

    const types = (events: AgentEvent[]) => events.map((e) => e.type);
    const result = (events: AgentEvent[]) => events.find((e) => e.type === 'result');
    const fatal = (events: AgentEvent[]) =>
      events.filter((e) => e.type === 'error' && e.fatal).map((e) => e.type === 'error' && e.code);

    it('the model API answers 500 every time: MODEL_API_ERROR naming the status, after a bounded number of tries', async () => {
      server.setScript([], { then: { status: 500, message: 'scripted overload' } });
      const { events, record, made } = await runToEnd('fail-500');
      expect(record.state).toBe('failed');
      expect(record.error).toEqual({
        code: 'MODEL_API_ERROR',
        message: expect.stringMatching(/answered HTTP 500 .*4 times in a row/),
      });
      expect(record.error?.message).toContain('scripted overload');
      // Claude Code retries a 5xx on its own (10 times by default); the gateway ends the run at
      // the 4th consecutive failure instead, so the bound does not depend on the agent
      const tries = made().filter((r) => r.scripted);
      expect(tries).toHaveLength(4);
      expect(tries.every((r) => r.status === 500)).toBe(true);
      expect(types(events)[0]).toBe('session.started');
      expect(fatal(events)).toContain('MODEL_API_ERROR');
      expect(result(events)).toMatchObject({ ok: false });
      await expectNothingLeaked();
    });

    it('429 with Retry-After once, then a normal answer: the agent waits, retries and succeeds', async () => {
      server.setScript([{ status: 429, retryAfterS: 1, message: 'slow down' }, { text: 'Fine.' }]);
      const { events, record, made } = await runToEnd('fail-429');
      expect(record.state, JSON.stringify(record.error)).toBe('succeeded');
      expect(record.text).toBe('Fine.');
      const tries = made().filter((r) => r.scripted);
      expect(tries.map((r) => r.status)).toEqual([429, 200]);
      // the retry came after the 429 was answered (the agent saw it, then asked again)
      expect(tries[1]!.receivedAt).toBeGreaterThan(tries[0]!.answeredAt!);
      expect(fatal(events)).toEqual([]);
      expect(result(events)).toMatchObject({ ok: true });
      // only the successful answer is counted
      expect(record.usage).toMatchObject({ inputTokens: 100, outputTokens: 20, turns: 1 });
      await expectNothingLeaked();
    });

    it('the agent is killed mid-run: AGENT_CRASHED, the events so far kept, the sandbox gone', async () => {
      // the Bash tool walks up from its shell to the agent process and SIGKILLs it
      const killAgent =
        'p=$$; while [ "$p" -gt 1 ]; do ' +
        'if [ "$(cat /proc/$p/comm)" = claude ]; then kill -9 "$p"; break; fi; ' +
        "p=$(awk '{print $4}' /proc/$p/stat); done; sleep 30";
      server.setScript([
        { tool: 'Read', input: { file_path: '/work/repo/hello.txt' } },
        { tool: 'Bash', input: { command: killAgent, description: 'crash' } },
        { text: 'never reached' },
      ]);
      const { events, record, run } = await runToEnd('fail-crash');
      expect(record.state).toBe('failed');
      expect(record.error).toEqual({
        code: 'AGENT_CRASHED',
        message: expect.stringMatching(/^claude-code exited with 137 before its result: /),
      });
      expect(record.error?.message).toContain('rerun the task to retry');
      // the session, the Read and its result, and the Bash call that killed it are kept
      expect(types(events).slice(0, 4)).toEqual([
        'session.started',
        'tool.call',
        'tool.result',
        'tool.call',
      ]);
      expect(events.filter((e) => e.type === 'tool.call').map((e) => e.name)).toEqual([
        'Read',
        'Bash',
      ]);
      expect(fatal(events)).toEqual(['AGENT_CRASHED']);
      expect(result(events)).toMatchObject({ ok: false, exitCode: 137 });
      expect(events.at(-1)).toMatchObject({ type: 'error', code: 'AGENT_CRASHED', fatal: true });
      expect(run.rawLines.length).toBeGreaterThan(0);
      await expectNothingLeaked();
    });

    it('the model never answers: timeoutMs ends the run with TIMEOUT', async () => {
      server.setScript([{ hang: true }]);
      const waiting = server.nextRequest();
      const { events, record, made } = await runToEnd('fail-hang', { timeoutMs: 15_000 });
      expect(record.state).toBe('failed');
      expect(record.error).toEqual({
        code: 'TIMEOUT',
        message: 'the run exceeded its timeoutMs (15000 ms)',
      });
      // the agent did reach the model and was waiting on it when the timeout struck
      const hung = await waiting;
      expect(made()).toContain(hung);
      expect(hung.answeredAt).toBeUndefined();
      expect(fatal(events)).toEqual(['TIMEOUT']);
      expect(result(events)).toMatchObject({ ok: false });
      await expectNothingLeaked();
    });

    it('the model stalls mid-stream: timeoutMs ends the run with TIMEOUT', async () => {
      server.setScript([{ tool: 'Read', input: { file_path: '/work/repo/hello.txt' } }], {
        then: { stall: true },
      });
      const { events, record, made } = await runToEnd('fail-stall', { timeoutMs: 15_000 });
      expect(record.state).toBe('failed');
      expect(record.error?.code).toBe('TIMEOUT');
      const tries = made().filter((r) => r.scripted);
      expect(tries[0]!.status).toBe(200);
      expect(tries.slice(1).length).toBeGreaterThan(0);
      expect(types(events).slice(0, 3)).toEqual(['session.started', 'tool.call', 'tool.result']);
      expect(fatal(events)).toEqual(['TIMEOUT']);
      await expectNothingLeaked();
    });

    it('a repo that cannot be cloned fails before the agent starts', async () => {
      const before = server.requests.length;
      // a path that does not exist: refused before any sandbox is made
      await expect(
        runner.run({
          agent: 'claude-code',
          taskId: 'fail-clone-missing',
          prompt: 'hi',
          workspace: { repo: 'file:///nonexistent/corral.git' },
        }),
      ).rejects.toMatchObject({
        code: 'REPO_CLONE_FAILED',
        message:
          'cannot clone file:///nonexistent/corral.git: /nonexistent/corral.git does not exist',
      });
      await expectNothingLeaked();

      // a real repo and a ref it does not have: the clone inside the sandbox fails
      // the sandbox's dropped uid must reach the bound repo (mkdtemp made the directory 0700)
      await chmod(work, 0o755);
      const repo = join(work, 'origin.git');
      await run$('git', ['init', '-q', '--bare', repo]);
      const seed = join(work, 'seed');
      await run$('git', ['clone', '-q', repo, seed]);
      await writeFile(join(seed, 'a.txt'), 'a\n');
      const git = (...args: string[]) =>
        run$('git', ['-C', seed, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args]);
      await git('add', '-A');
      await git('commit', '-qm', 'a');
      await git('push', '-q', 'origin', 'HEAD');
      const run = await runner.run({
        agent: 'claude-code',
        taskId: 'fail-clone-ref',
        prompt: 'hi',
        workspace: { repo: `file://${repo}`, ref: 'no-such-branch' },
        timeoutMs: 120_000,
      });
      const events = await collect(run);
      const record = await run.finished();
      expect(record.state).toBe('failed');
      expect(record.error).toEqual({
        code: 'REPO_CLONE_FAILED',
        message: expect.stringContaining(`cannot clone file://${repo} at no-such-branch`),
      });
      expect(record.error?.message).toContain('Check the URL and ref');
      expect(record.error?.message).toContain("pathspec 'no-such-branch' did not match");
      // the agent never started: no session, no model request
      expect(types(events)).toEqual(['error']);
      expect(server.requests.length).toBe(before);
      await expectNothingLeaked();
    });
  },
);

describe.skipIf(!codexInstalled)(
  `Codex ${codex.npm?.version} failure cases${codexInstalled ? '' : ` (skipped: not installed in ${CACHE}; run \`corral agent install codex\`)`}`,
  { timeout: 150_000 },
  () => {
    let stateDir: string;
    let provider: LocalProvider;
    let server: ModelServer;
    let runner: AgentRunner;
    let work: string;

    beforeAll(async () => {
      stateDir = await mkdtemp(
        join(process.getuid?.() === 0 ? '/var/lib' : '/tmp', 'corral-codex-fail-'),
      );
      provider = createLocalProvider({ stateDir });
      server = await startModelServer({ key: KEY });
      const catalog = JSON.parse(
        await readFile(new URL('./model-server/codex-model-catalog.json', import.meta.url), 'utf8'),
      ) as { models: unknown[] };
      runner = new AgentRunner({
        provider,
        cacheDir: CACHE,
        gatewayDir: join(stateDir, 'gateways'),
        profiles: [codexProfile({ modelCatalog: catalog })],
        upstreams: { openai: { url: server.url, apiKey: KEY } },
      });
      work = await mkdtemp('/tmp/corral-codex-fail-ws-');
      await writeFile(join(work, 'hello.txt'), 'hello\n');
    });

    afterAll(async () => {
      await runner?.close();
      await provider?.close();
      await server?.close();
      if (stateDir) await rm(stateDir, { recursive: true, force: true });
      if (work) await rm(work, { recursive: true, force: true });
    });

    it('the model API answers 500 every time: Codex retries, the gateway ends it with MODEL_API_ERROR', async () => {
      server.setScript([], { then: { status: 500, message: 'scripted outage' } });
      const before = server.requests.length;
      const run = await runner.run({
        agent: 'codex',
        taskId: 'codex-500',
        prompt: 'Say hi',
        workspace: { dir: work },
        model: 'corral-scripted',
        timeoutMs: 120_000,
      });
      const events = await collect(run);
      const record = await run.finished();
      expect(record.state).toBe('failed');
      expect(record.error).toEqual({
        code: 'MODEL_API_ERROR',
        message: expect.stringMatching(/answered HTTP 500 4 times in a row \(scripted outage\)/),
      });
      const tries = server.requests.slice(before).filter((r) => r.scripted);
      expect(tries.map((r) => r.status)).toEqual([500, 500, 500, 500]);
      expect(
        events
          .filter((e) => e.type === 'error' && e.fatal)
          .map((e) => e.type === 'error' && e.code),
      ).toContain('MODEL_API_ERROR');
      expect(await provider.list()).toEqual([]);
      expect(await readdir(join(stateDir, 'gateways')).catch(() => [])).toEqual([]);
    });
  },
);

async function collect(run: AgentRun): Promise<AgentEvent[]> {
  const events: AgentEvent[] = [];
  for await (const e of run.events()) events.push(e);
  return events;
}
