/**
 * `corral agent run --provider kubernetes` as users run it: the built CLI as a real process,
 * outside the cluster (port-forward to the runner), against one fake cluster whose runner pods
 * really run. The real Claude Code binary is the pod's "image" (the fake kubelet binds the local
 * agent cache at the image's path, a test-double mapping), the template comes from
 * `corral template apply --agent claude-code`, the key from a Secret, and the pod reaches the
 * scripted model server through the fake's egress allow-list. The CLI's environment holds no
 * key: on Kubernetes it never needs one.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { claudeCode, findInstalled } from '@corral/agents';
import { detectIsolation } from '@corral/sdk';
import { startFakeCluster, type FakeCluster, type ProcessRuntime } from '@corral/testing';
import {
  startModelServer,
  type ModelServer,
} from '../../../agents/test/model-server/model-server.js';
import { corral, type CorralRun } from '../helpers/corral.js';
import { corralInProcess } from './helpers/in-process.js';

const CACHE = process.env.CORRAL_AGENT_CACHE ?? '/var/cache/corral-agents';
const installed = await findInstalled(claudeCode, { cacheDir: CACHE });
// pod egress goes through the allow-list proxy, which needs bubblewrap
const bubblewrap = (await detectIsolation()).bubblewrap.available;
const KEY = `sk-ant-cli-kube-${Math.random().toString(36).slice(2)}`;
const NS = 'corral-agents';
const POOL = 'claude-agent';
const MODEL_HOST = 'model.corral.test';
const GVR = {
  claims: { group: 'extensions.agents.x-k8s.io', version: 'v1beta1', resource: 'sandboxclaims' },
  pools: { group: 'extensions.agents.x-k8s.io', version: 'v1beta1', resource: 'sandboxwarmpools' },
  pods: { group: '', version: 'v1', resource: 'pods' },
  secrets: { group: '', version: 'v1', resource: 'secrets' },
} as const;

const SKIP_REASON = !installed
  ? ` (skipped: Claude Code ${claudeCode.npm?.version} is not installed in ${CACHE}; run \`corral agent install claude-code\`)`
  : !bubblewrap
    ? ' (skipped: bubblewrap is not available here; the fake pods reach the model host only through its allow-list proxy)'
    : '';

describe.skipIf(SKIP_REASON !== '')(
  `corral agent run --provider kubernetes, Claude Code in a runner pod of the fake cluster${SKIP_REASON}`,
  // a real agent start is seconds of CPU, twice per plan run; on a shared 2-core box give it room
  { timeout: 240_000 },
  () => {
    let server: ModelServer;
    let cluster: FakeCluster;
    let dir: string;
    let kubeconfig: string;

    /** The built CLI outside the cluster, with no model key in its environment. */
    const cli = (args: string[], stdin?: string): Promise<CorralRun> =>
      corral(['agent', 'run', '--provider', 'kubernetes', '-n', NS, ...args], {
        stateDir: dir,
        env: {
          KUBECONFIG: kubeconfig,
          KUBERNETES_SERVICE_HOST: '',
          ANTHROPIC_API_KEY: '',
          OPENAI_API_KEY: '',
        },
        ...(stdin === undefined ? {} : { stdin }),
      });

    const workspace = async (name: string): Promise<string> => {
      const ws = join(dir, name);
      await mkdir(ws);
      await writeFile(join(ws, 'hello.txt'), 'hello\n');
      return ws;
    };

    const claimCreates = () =>
      cluster.requests.count({ resource: 'sandboxclaims', verb: 'create' });

    const planThenEdit = () =>
      server.setScript([
        // plan phase (read-only)
        { tool: 'Read', input: { file_path: '/work/repo/hello.txt' } },
        { text: '1. Replace hello with goodbye in hello.txt' },
        // execute phase, after the approval, in the same session and pod
        {
          tool: 'Edit',
          input: { file_path: '/work/repo/hello.txt', old_string: 'hello', new_string: 'goodbye' },
        },
        { text: 'Done: hello.txt says goodbye.' },
      ]);

    beforeAll(async () => {
      server = await startModelServer({ key: KEY });
      const port = new URL(server.url).port;
      cluster = await startFakeCluster({
        namespaces: [NS],
        namespace: NS,
        kubelet: {
          startDelayMs: 0,
          runtime: 'process',
          process: {
            egress: { domains: [`${MODEL_HOST}:${port}`], hosts: { [MODEL_HOST]: '127.0.0.1' } },
          },
        },
      });
      dir = await mkdtemp(join(tmpdir(), 'corral-cli-agent-kube-'));
      kubeconfig = join(dir, 'kubeconfig');
      await writeFile(kubeconfig, cluster.kubeconfigYaml(), { mode: 0o600 });
      cluster.store.create(GVR.secrets, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'model-keys', namespace: NS },
        data: { anthropic: Buffer.from(KEY).toString('base64') },
      });
      await agentPool(POOL, [
        '--api-key-secret',
        'model-keys/anthropic',
        '--model-url',
        `http://${MODEL_HOST}:${port}`,
      ]);
    });

    /** `corral template apply NAME --agent claude-code …` and a cold pool of that template. */
    async function agentPool(name: string, flags: string[]): Promise<void> {
      const applied = await corralInProcess(
        ['template', 'apply', name, '--agent', 'claude-code', ...flags, '-n', NS],
        { KUBECONFIG: kubeconfig },
      );
      expect(applied.code, applied.stderr).toBe(0);
      cluster.store.create(GVR.pools, {
        apiVersion: 'extensions.agents.x-k8s.io/v1beta1',
        kind: 'SandboxWarmPool',
        metadata: { name, namespace: NS },
        spec: { replicas: 0, sandboxTemplateRef: { name } },
      });
    }

    afterEach(async () => {
      // nothing a run made outlives it: no claim, no pod, no runner process
      await cluster.kubelet!.whenIdle();
      expect(cluster.store.list(GVR.claims, { namespace: NS }).items).toEqual([]);
      expect(cluster.store.list(GVR.pods, { namespace: NS }).items).toEqual([]);
      expect((cluster.kubelet!.runtime as ProcessRuntime).processes()).toEqual([]);
    });

    afterAll(async () => {
      await cluster?.stop();
      await server?.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('--plan --yes prints the plan, executes it in the same pod and writes the diff to --out', async () => {
      const ws = await workspace('plan-yes');
      const out = join(dir, 'plan-yes.diff');
      planThenEdit();
      const before = server.requests.length;
      const run = await cli([
        '--agent',
        'claude-code',
        '--warm-pool',
        POOL,
        '--workspace',
        ws,
        '--plan',
        '--yes',
        '--out',
        out,
        '--timeout',
        '200s',
        'Say goodbye',
      ]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain(
        '✓ Read /work/repo/hello.txt\n── Plan\n1. Replace hello with goodbye in hello.txt\n──\n● resumed session',
      );
      expect(run.stdout).toMatch(/^✓ Edit \/work\/repo\/hello\.txt$/m);
      expect(run.stdout).toContain('Done: hello.txt says goodbye.');
      expect(run.stderr).toContain('Approved (--yes); executing…');
      // the agent's own usage report (no gateway on Kubernetes): 4 answers of 100 in / 20 out
      expect(run.stderr).toMatch(/usage: 400 input \/ 80 output tokens.*4 model requests/);
      expect(await readFile(out, 'utf8')).toContain('-hello\n+goodbye\n');
      expect(await readFile(join(ws, 'hello.txt'), 'utf8')).toBe('hello\n');
      // the pod itself sent the Secret's key; the CLI had none
      const made = server.requests.slice(before).filter((r) => r.scripted);
      expect(made).toHaveLength(4);
      expect(made.every((r) => r.headers['x-api-key'] === KEY)).toBe(true);
    });

    it('--plan --json: the y on stdin approves; NDJSON events, then the record', async () => {
      const ws = await workspace('plan-json');
      const out = join(dir, 'plan-json.diff');
      planThenEdit();
      const run = await cli(
        [
          '--agent',
          'claude-code',
          '--warm-pool',
          POOL,
          '--workspace',
          ws,
          '--plan',
          '--json',
          '--out',
          out,
          '--task-id',
          'cli-kube-json',
          '--timeout',
          '200s',
          'Say goodbye',
        ],
        'y\n',
      );
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toContain('Execute this plan? [y/N] ');
      const lines = run.stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const types = lines.map((l) => l.type);
      expect(types.slice(0, 1)).toEqual(['session.started']);
      expect(types).toContain('awaiting.approval');
      expect(types.indexOf('awaiting.approval')).toBeLessThan(types.indexOf('file.changed'));
      expect(lines.filter((l) => l.type === 'tool.call').map((l) => l.name as string)).toEqual([
        'Read',
        'Edit',
      ]);
      expect(lines.at(-1)).toMatchObject({
        type: 'run.record',
        taskId: 'cli-kube-json',
        state: 'succeeded',
        exitCode: 0,
        plan: '1. Replace hello with goodbye in hello.txt',
        text: 'Done: hello.txt says goodbye.',
        files: [{ path: 'hello.txt', change: 'modified' }],
      });
      expect(await readFile(out, 'utf8')).toContain('-hello\n+goodbye\n');
    });

    it('--agent generic runs its command in the pod: its change is the diff', async () => {
      const ws = await workspace('generic');
      const out = join(dir, 'generic.diff');
      const run = await cli([
        '--agent',
        'generic',
        '--agent-command',
        'echo "$1" > note.txt',
        '--warm-pool',
        POOL,
        '--workspace',
        ws,
        '--out',
        out,
        'written in the pod',
      ]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toContain('1 file(s) changed');
      expect(await readFile(out, 'utf8')).toContain('+written in the pod\n');
    });

    it('an unknown warm pool is WARM_POOL_NOT_FOUND, exit 3, before any claim is made', async () => {
      const ws = await workspace('no-pool');
      const before = claimCreates();
      const run = await cli([
        '--agent',
        'claude-code',
        '--warm-pool',
        'no-such-pool',
        '--workspace',
        ws,
        '--json',
        'Say goodbye',
      ]);
      expect(run.code, run.stderr).toBe(3);
      expect(run.stderr).toContain('no-such-pool');
      expect(run.stderr).toContain(POOL); // the pools that are there
      expect(JSON.parse(run.stdout.trimEnd().split('\n').at(-1)!)).toMatchObject({
        type: 'run.record',
        state: 'failed',
        exitCode: 3,
        error: { code: 'WARM_POOL_NOT_FOUND' },
      });
      expect(claimCreates()).toBe(before);
    });

    it('a template whose Secret is missing: the pod cannot start, a clear error, nothing left', async () => {
      await agentPool('no-key', ['--api-key-secret', 'missing-keys']);
      const ws = await workspace('no-key');
      const modelRequestsBefore = server.requests.filter((r) => r.scripted).length;
      const run = await cli([
        '--agent',
        'claude-code',
        '--warm-pool',
        'no-key',
        '--workspace',
        ws,
        'x',
      ]);
      // the claim failed with the pod (a Corral-side failure: 125); the hint names the Secret
      expect(run.code, run.stderr).toBe(125);
      expect(run.stderr).toContain('PodFailed');
      expect(run.stderr).toContain('An agent template takes the key from a Secret');
      expect(server.requests.filter((r) => r.scripted)).toHaveLength(modelRequestsBefore);
    });

    it('what only the local gateway or host could do is refused before anything is made', async () => {
      const ws = await workspace('refused');
      const before = claimCreates();
      const [codexTurns, cacheDir, localRepo] = await Promise.all([
        cli(['--agent', 'codex', '--warm-pool', POOL, '--workspace', ws, '--max-turns', '3', 'x']),
        cli([
          '--agent',
          'claude-code',
          '--warm-pool',
          POOL,
          '--workspace',
          ws,
          '--cache-dir',
          CACHE,
          'x',
        ]),
        cli(['--agent', 'claude-code', '--warm-pool', POOL, '--repo', ws, 'x']),
      ]);
      expect(codexTurns.code).toBe(2);
      expect(codexTurns.stderr).toContain('--max-turns cannot be enforced for codex on Kubernetes');
      expect(cacheDir.code).toBe(2);
      expect(cacheDir.stderr).toContain('--cache-dir is for the local provider');
      expect(localRepo.code).toBe(2);
      expect(localRepo.stderr).toContain('is a path on this machine, which a pod cannot see');
      expect(claimCreates()).toBe(before);
    });
  },
);
