/**
 * `corral agent run --repo URL --ref REF` and `--max-turns N` through the real (built) CLI
 * process: the real Claude Code and Codex binaries from the install cache in real bubblewrap
 * sandboxes, against the scripted model server on loopback (only the model is scripted).
 * Claude Code gets `--max-turns N` itself; Codex 0.171 has no such flag, so Corral's gateway
 * counts the tool-carrying model requests and refuses the one past N.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claudeCode, codex, findInstalled } from '@corral/agents';
import { startModelServer, type ModelServer } from '../../agents/test/model-server/model-server.js';
import { corral } from './helpers/corral.js';

const CACHE = process.env.CORRAL_AGENT_CACHE ?? '/var/cache/corral-agents';
const installed = await findInstalled(claudeCode, { cacheDir: CACHE });
const codexInstalled = await findInstalled(codex, { cacheDir: CACHE });
const CODEX_CATALOG = new URL(
  '../../agents/test/model-server/codex-model-catalog.json',
  import.meta.url,
).pathname;
const KEY = `sk-ant-flags-${Math.random().toString(36).slice(2)}`;
const git$ = promisify(execFile);

describe.skipIf(!installed && !codexInstalled)(
  `corral agent run --repo/--ref and --max-turns${installed || codexInstalled ? '' : ` (skipped: no agent installed in ${CACHE}; run \`corral agent install claude-code codex\`)`}`,
  // a real agent start is seconds of CPU; on a shared 2-core box the default 30 s is not enough
  { timeout: 180_000 },
  () => {
    let stateDir: string;
    let server: ModelServer;
    let work: string;
    let origin: string;

    beforeAll(async () => {
      // under /var/lib when root, so the sandbox's dropped uid can traverse the state directory
      stateDir = await mkdtemp(
        join(process.getuid?.() === 0 ? '/var/lib' : '/tmp', 'corral-cli-agent-flags-'),
      );
      work = await mkdtemp('/tmp/corral-cli-agent-flags-');
      // the repo is bound read-only into the sandbox, whose uid must be able to read it
      await chmod(work, 0o755);
      server = await startModelServer({ key: KEY });
      // a bare origin with two branches: main says hello, feature says hello from feature
      origin = join(work, 'origin.git');
      const seed = join(work, 'seed');
      await git$('git', ['init', '-q', '--bare', '-b', 'main', origin]);
      await git$('git', ['clone', '-q', origin, seed]);
      const git = (...args: string[]) =>
        git$('git', ['-C', seed, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args]);
      await git('checkout', '-q', '-b', 'main');
      await writeFile(join(seed, 'hello.txt'), 'hello\n');
      await git('add', '-A');
      await git('commit', '-qm', 'main');
      await git('checkout', '-q', '-b', 'feature');
      await writeFile(join(seed, 'hello.txt'), 'hello from feature\n');
      await git('commit', '-qam', 'feature');
      await git('push', '-q', 'origin', 'main', 'feature');
    });

    afterAll(async () => {
      await server?.close();
      // nothing the runs made is left: no sandbox, no gateway directory
      const listed = await corral(['sandbox', 'list', '--json'], { stateDir });
      expect(JSON.parse(listed.stdout)).toEqual([]);
      expect(await readdir(join(stateDir, 'agent-gateways')).catch(() => [])).toEqual([]);
      await rm(stateDir, { recursive: true, force: true });
      await rm(work, { recursive: true, force: true });
    });

    const claudeEnv = () => ({
      CORRAL_AGENT_CACHE: CACHE,
      ANTHROPIC_BASE_URL: server.url,
      ANTHROPIC_API_KEY: KEY,
    });

    const ndjson = (stdout: string) =>
      stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);

    it.skipIf(!installed)(
      'claude-code: --repo <local git URL> --ref clones that ref; the diff is against it',
      async () => {
        const out = join(work, 'repo.diff');
        server.setScript([
          { tool: 'Read', input: { file_path: '/work/repo/hello.txt' } },
          {
            tool: 'Edit',
            input: {
              file_path: '/work/repo/hello.txt',
              old_string: 'hello from feature',
              new_string: 'goodbye from feature',
            },
          },
          { text: 'Edited the feature branch.' },
        ]);
        const run = await corral(
          [
            'agent',
            'run',
            '--agent',
            'claude-code',
            '--repo',
            `file://${origin}`,
            '--ref',
            'feature',
            '--out',
            out,
            '--json',
            '--timeout',
            '150s',
            'Say goodbye',
          ],
          { stateDir, env: claudeEnv() },
        );
        expect(run.code, run.stderr).toBe(0);
        const lines = ndjson(run.stdout);
        // the agent read the ref's content, not main's
        const read = lines.find((l) => l.type === 'tool.result');
        expect(read?.output).toContain('hello from feature');
        expect(lines.at(-1)).toMatchObject({
          type: 'run.record',
          state: 'succeeded',
          exitCode: 0,
          files: [{ path: 'hello.txt', change: 'modified' }],
        });
        expect(await readFile(out, 'utf8')).toContain(
          '-hello from feature\n+goodbye from feature\n',
        );
        // the origin is untouched (the clone is the sandbox's own)
        const { stdout } = await git$('git', ['-C', origin, 'show', 'feature:hello.txt']);
        expect(stdout).toBe('hello from feature\n');
      },
    );

    it.skipIf(!installed)(
      'claude-code: --max-turns reaches the agent; a run past it fails with MAX_TURNS, exit 1',
      async () => {
        server.setScript([
          { tool: 'Bash', input: { command: 'echo one', description: 'one' } },
          { tool: 'Bash', input: { command: 'echo two', description: 'two' } },
          { text: 'never reached' },
        ]);
        const before = server.requests.length;
        const run = await corral(
          [
            'agent',
            'run',
            '--agent',
            'claude-code',
            '--repo',
            `file://${origin}`,
            '--max-turns',
            '1',
            '--json',
            '--timeout',
            '150s',
            'Count',
          ],
          { stateDir, env: claudeEnv() },
        );
        expect(run.code, run.stderr).toBe(1);
        expect(run.stderr).toContain('Hint: Raise --max-turns if the task needs more.');
        const lines = ndjson(run.stdout);
        const record = lines.at(-1)!;
        expect(record).toMatchObject({ type: 'run.record', state: 'failed', exitCode: 1 });
        expect(record.error).toMatchObject({ code: 'MAX_TURNS' });
        // Claude Code stopped itself after one turn (its own max-turns result), so the gateway
        // never had to refuse a request: one scripted request, answered 200
        expect(lines.find((l) => l.type === 'result')).toMatchObject({ ok: false, turns: 2 });
        const made = server.requests.slice(before).filter((r) => r.scripted);
        expect(made.map((r) => r.status)).toEqual([200]);
      },
    );

    it.skipIf(!codexInstalled)(
      'codex: --max-turns is enforced by the gateway (Codex has no such flag); MAX_TURNS, exit 1',
      async () => {
        server.setScript([
          { tool: 'exec_command', input: { cmd: 'echo one' } },
          { tool: 'exec_command', input: { cmd: 'echo two' } },
          { text: 'never reached' },
        ]);
        const before = server.requests.length;
        const run = await corral(
          [
            'agent',
            'run',
            '--agent',
            'codex',
            '--model',
            'corral-scripted',
            '--repo',
            `file://${origin}`,
            '--max-turns',
            '1',
            '--json',
            '--timeout',
            '150s',
            'Count',
          ],
          {
            stateDir,
            env: {
              CORRAL_AGENT_CACHE: CACHE,
              CORRAL_CODEX_MODEL_CATALOG: CODEX_CATALOG,
              OPENAI_BASE_URL: `${server.url}/v1`,
              OPENAI_API_KEY: KEY,
            },
          },
        );
        expect(run.code, run.stderr).toBe(1);
        expect(run.stderr).toContain('Hint: Raise --max-turns if the task needs more.');
        const record = ndjson(run.stdout).at(-1)!;
        expect(record).toMatchObject({
          type: 'run.record',
          state: 'failed',
          exitCode: 1,
          error: { code: 'MAX_TURNS', message: 'the agent exceeded maxTurns (1)' },
        });
        // the first turn reached the model; the second was refused on the gateway
        const made = server.requests.slice(before).filter((r) => r.scripted);
        expect(made).toHaveLength(1);
      },
    );
  },
);
