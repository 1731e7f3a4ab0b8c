/**
 * `corral agent run` through the real CLI process: the real Claude Code binary from the install
 * cache in a real bubblewrap sandbox, against the scripted Anthropic server on loopback (only the
 * model is scripted). The endpoint and key come from ANTHROPIC_BASE_URL / ANTHROPIC_API_KEY, as
 * a user sets them.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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
const KEY = `sk-ant-cli-${Math.random().toString(36).slice(2)}`;
const SKIP_REASON = installed
  ? ''
  : ` (skipped: not installed in ${CACHE}; run \`corral agent install claude-code\`)`;

describe('corral agent', () => {
  let stateDir: string;
  let server: ModelServer;
  let work: string;

  beforeAll(async () => {
    // under /var/lib when root, so the sandbox's dropped uid can traverse the state directory
    stateDir = await mkdtemp(
      join(process.getuid?.() === 0 ? '/var/lib' : '/tmp', 'corral-cli-agent-'),
    );
    work = await mkdtemp('/tmp/corral-cli-agent-ws-');
    server = await startModelServer({ key: KEY });
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

  const env = (key = KEY) => ({
    CORRAL_AGENT_CACHE: CACHE,
    ANTHROPIC_BASE_URL: server.url,
    ANTHROPIC_API_KEY: key,
  });

  async function workspace(name: string) {
    const dir = join(work, name);
    await rm(dir, { recursive: true, force: true });
    await import('node:fs/promises').then((fs) => fs.mkdir(dir));
    await writeFile(join(dir, 'hello.txt'), 'hello\n');
    return dir;
  }

  it('an unknown agent is a usage error, and nothing is made', async () => {
    const run = await corral(
      ['agent', 'run', '--agent', 'gpt-pilot', '--workspace', work, 'do it'],
      { stateDir, env: env() },
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'unknown agent "gpt-pilot"; use one of claude-code, codex, generic',
    );
    expect(await readdir(stateDir)).not.toContain('agent-gateways');
  });

  it('agent list shows each profile, its version and whether it is installed', async () => {
    const run = await corral(['agent', 'list', '--json'], { stateDir, env: env() });
    expect(run.code).toBe(0);
    const listed = JSON.parse(run.stdout) as {
      cacheDir: string;
      profiles: { name: string; version: string | null; installed: boolean }[];
    };
    expect(listed.cacheDir).toBe(CACHE);
    expect(listed.profiles.map((p) => p.name)).toEqual(['claude-code', 'codex', 'generic']);
    expect(listed.profiles[0]).toMatchObject({
      version: claudeCode.npm?.version,
      installed: installed !== undefined,
    });
  });

  describe.skipIf(!installed)(
    `with Claude Code ${claudeCode.npm?.version}${SKIP_REASON}`,
    // a real agent start is seconds of CPU; on a shared 2-core box the default 30 s is not enough
    { timeout: 180_000 },
    () => {
      it('--plan --yes prints the plan, executes it in the same session and writes the diff to --out', async () => {
        const dir = await workspace('plan');
        const out = join(work, 'changes.diff');
        server.setScript([
          // plan phase (read-only)
          { tool: 'Read', input: { file_path: '/work/repo/hello.txt' } },
          { text: '1. Replace hello with goodbye in hello.txt' },
          // execute phase, after the approval
          {
            tool: 'Edit',
            input: {
              file_path: '/work/repo/hello.txt',
              old_string: 'hello',
              new_string: 'goodbye',
            },
          },
          { tool: 'Bash', input: { command: 'cat hello.txt', description: 'show' } },
          { text: 'Done: hello.txt says goodbye.' },
        ]);
        const run = await corral(
          [
            'agent',
            'run',
            '--agent',
            'claude-code',
            '--workspace',
            dir,
            '--plan',
            '--yes',
            '--out',
            out,
            '--timeout',
            '150s',
            'Say goodbye',
          ],
          { stateDir, env: env() },
        );
        expect(run.code, run.stderr).toBe(0);
        // the plan is printed once, as the plan; the execute phase resumes the same session
        expect(run.stdout).toContain(
          '✓ Read /work/repo/hello.txt\n── Plan\n1. Replace hello with goodbye in hello.txt\n──\n● resumed session',
        );
        expect(run.stdout).toMatch(/^✓ Read \/work\/repo\/hello\.txt$/m);
        expect(run.stdout).toMatch(/^✓ Edit \/work\/repo\/hello\.txt$/m);
        expect(run.stdout).toMatch(/^✓ Bash cat hello\.txt$/m);
        expect(run.stdout).toContain('Done: hello.txt says goodbye.');
        expect(run.stdout).toMatch(/^ {2}M hello\.txt$/m);
        expect(run.stderr).toMatch(
          /usage: 500 input \/ 100 output tokens, \$[\d.]+, 5 model requests/,
        );
        expect(await readFile(out, 'utf8')).toContain('-hello\n+goodbye\n');
        expect(await readFile(join(dir, 'hello.txt'), 'utf8')).toBe('hello\n'); // host copy untouched
      });

      it('--plan asks y/N on stdin; "n" ends the run with nothing executed', async () => {
        const dir = await workspace('reject');
        const out = join(work, 'rejected.diff');
        server.setScript([{ text: '1. Delete everything' }]);
        const run = await corral(
          [
            'agent',
            'run',
            '--agent',
            'claude-code',
            '--workspace',
            dir,
            '--plan',
            '--out',
            out,
            '--timeout',
            '150s',
            'Plan it',
          ],
          { stateDir, env: env(), stdin: 'n\n' },
        );
        expect(run.code).toBe(1);
        expect(run.stdout).toContain('── Plan\n1. Delete everything\n──');
        expect(run.stderr).toContain('Execute this plan? [y/N] ');
        expect(run.stderr).toContain('Plan not approved; nothing was executed');
        await expect(readFile(out, 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
      });

      it('--json prints the event stream as NDJSON, then the record', async () => {
        const dir = await workspace('json');
        server.setScript([
          {
            tool: 'Edit',
            input: { file_path: '/work/repo/hello.txt', old_string: 'hello', new_string: 'hi' },
          },
          { text: 'Edited.' },
        ]);
        const run = await corral(
          [
            'agent',
            'run',
            '--agent',
            'claude-code',
            '--workspace',
            dir,
            '--json',
            '--timeout',
            '150s',
            'Say hi',
          ],
          { stateDir, env: env() },
        );
        expect(run.code, run.stderr).toBe(0);
        const lines = run.stdout
          .trimEnd()
          .split('\n')
          .map((l) => JSON.parse(l) as Record<string, unknown>);
        const events = lines.slice(0, -1);
        expect(events.map((e) => e.type)).toEqual([
          'session.started',
          'tool.call',
          'tool.result',
          'assistant.text',
          'usage',
          'result',
          'file.changed',
        ]);
        expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
        expect(events[1]).toMatchObject({ name: 'Edit' });
        expect(events[6]).toMatchObject({ path: 'hello.txt', change: 'modified' });
        expect(lines.at(-1)).toMatchObject({
          type: 'run.record',
          exitCode: 0,
          state: 'succeeded',
          text: 'Edited.',
          files: [{ path: 'hello.txt', change: 'modified' }],
        });
        expect((lines.at(-1) as { diff: string }).diff).toContain('+hi\n');
      });

      it('a refused key is a clear message and exit code 5', async () => {
        const dir = await workspace('denied');
        server.setScript([{ text: 'never reached' }]);
        const run = await corral(
          ['agent', 'run', '--agent', 'claude-code', '--workspace', dir, '--timeout', '150s', 'hi'],
          { stateDir, env: env('sk-ant-wrong') },
        );
        expect(run.code).toBe(5);
        expect(run.stderr).toContain('the API key was refused');
        expect(run.stderr).toContain('Hint: Check ANTHROPIC_API_KEY');
      });
    },
  );
  describe.skipIf(!codexInstalled)(
    `with Codex ${codex.npm?.version}${codexInstalled ? '' : ` (skipped: not installed in ${CACHE})`}`,
    { timeout: 180_000 },
    () => {
      it('codex against OPENAI_BASE_URL (with /v1), the scripted model from CORRAL_CODEX_MODEL_CATALOG', async () => {
        const dir = await workspace('codex');
        const out = join(work, 'codex.diff');
        server.setScript([
          { tool: 'exec_command', input: { cmd: 'cat hello.txt' } },
          {
            custom: 'apply_patch',
            input:
              '*** Begin Patch\n*** Update File: hello.txt\n@@\n-hello\n+goodbye\n*** End Patch\n',
          },
          { text: 'Patched.' },
        ]);
        const run = await corral(
          [
            'agent',
            'run',
            '--agent',
            'codex',
            '--model',
            'corral-scripted',
            '--workspace',
            dir,
            '--out',
            out,
            '--timeout',
            '150s',
            'Say goodbye',
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
        expect(run.code, run.stderr).toBe(0);
        expect(run.stdout).toMatch(/^✓ shell .*cat hello\.txt/m);
        expect(run.stdout).toMatch(/^✓ apply_patch /m);
        expect(run.stdout).toContain('Patched.');
        expect(await readFile(out, 'utf8')).toContain('-hello\n+goodbye\n');
      });
    },
  );
});
