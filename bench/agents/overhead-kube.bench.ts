/**
 * Corral's overhead per agent run on Kubernetes beyond the claim's readiness, model time
 * excluded: real Claude Code in a runner pod of the fake cluster (the kubelet binds the local
 * install cache at the image's path, and the pod reaches the scripted model server, whose one
 * answer is immediate, through the egress allow-list), `AgentRunner` on the Kubernetes provider
 * in `direct` mode, the template from `corral template apply --agent claude-code`, the key from a
 * Secret. Measured per run: run() → claim Ready (the cluster's part: controller, pod, runner
 * start), claim Ready → the agent's first model request (Corral: connect, workspace copy,
 * `$HOME`; then the agent's own start), and the agent's result → the finished record (claim
 * deleted). The fake cluster runs in this process (as the kube e2e tests run it), so its API
 * server, controller and kubelet share the event loop with the client: figures are upper bounds.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectIsolation } from '../../packages/sdk/src/index.js';
import { createKubernetesProvider } from '../../packages/sdk/src/kubernetes/index.js';
import {
  AgentRunner,
  claudeCode,
  defaultAgentCacheDir,
  findInstalled,
} from '../../packages/agents/src/index.js';
import { runCli, type CliContext } from '../../packages/cli/src/index.js';
import { startFakeCluster, type FakeCluster } from '../../packages/testing/src/index.js';
import { startModelServer } from '../../packages/agents/test/model-server/model-server.js';
import { type Benchmark, type BenchRow, median, percentile } from '../lib.js';
import { timedRun } from './timed-run.js';

const GOAL_MS = 1000;
const NS = 'corral-agents';
const POOL = 'claude-agent';
const MODEL_HOST = 'model.corral.test';
const CLAIMS = {
  group: 'extensions.agents.x-k8s.io',
  version: 'v1beta1',
  resource: 'sandboxclaims',
};
const POOLS = { ...CLAIMS, resource: 'sandboxwarmpools' };
const SECRETS = { group: '', version: 'v1', resource: 'secrets' };

const p50p90 = (name: string, samples: number[], extra: Partial<BenchRow> = {}): BenchRow[] => [
  { name: `${name} p50`, value: median(samples), unit: 'ms', ...extra },
  { name: `${name} p90`, value: percentile(samples, 90), unit: 'ms' },
];

function spawnMs(file: string, args: string[], env: Record<string, string>): Promise<number> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env, stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve(performance.now() - start)
        : reject(new Error(`${file} ${args.join(' ')} exited with ${code}`)),
    );
  });
}

/** `corral template apply` in this process, as the e2e tests call it. */
async function applyTemplate(kubeconfig: string, port: string): Promise<void> {
  let stderr = '';
  const ctx: CliContext = {
    stdout: { write: () => true },
    stderr: { write: (chunk) => ((stderr += String(chunk)), true) },
    stdin: (async function* () {})(),
    env: { NO_COLOR: '1', KUBECONFIG: kubeconfig },
    signal: new AbortController().signal,
    openProvider: () => Promise.reject(new Error('not used here')),
    createDetached: () => Promise.reject(new Error('not used here')),
  };
  const args = ['template', 'apply', POOL, '--agent', 'claude-code', '-n', NS];
  args.push(
    '--api-key-secret',
    'model-keys/anthropic',
    '--model-url',
    `http://${MODEL_HOST}:${port}`,
  );
  const code = await runCli(args, ctx);
  if (code !== 0) throw new Error(`corral template apply exited ${code}: ${stderr}`);
}

/** The claim's first Ready=True write and its deletion, by name (store watchers run at commit). */
function watchClaims(cluster: FakeCluster) {
  const readyAt = new Map<string, number>();
  const deletedAt = new Map<string, number>();
  const stop = cluster.store.watch(CLAIMS, { namespace: NS }, (event) => {
    const name = event.object.metadata.name ?? '';
    if (event.type === 'DELETED') {
      deletedAt.set(name, performance.now());
      return;
    }
    const conditions = (event.object.status as { conditions?: { type: string; status: string }[] })
      ?.conditions;
    if (!readyAt.has(name) && conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
      readyAt.set(name, performance.now());
  });
  return { readyAt, deletedAt, stop };
}

const bench: Benchmark = {
  title: 'agent run overhead on Kubernetes (Claude Code in a fake-cluster pod, scripted model)',
  async run({ quick }) {
    const cacheDir = process.env.CORRAL_AGENT_CACHE ?? defaultAgentCacheDir();
    const installed = await findInstalled(claudeCode, { cacheDir });
    const skip = (why: string): BenchRow[] => [
      { name: `agent overhead on Kubernetes SKIPPED: ${why}`, value: 0, unit: 'count' },
    ];
    if (!installed)
      return skip(
        `Claude Code ${claudeCode.npm?.version} is not installed in ${cacheDir}; run \`corral agent install claude-code\` (or set CORRAL_AGENT_CACHE)`,
      );
    if (!(await detectIsolation()).bubblewrap.available)
      return skip(
        'bubblewrap is not available (the fake pods reach the model only through its proxy)',
      );
    const runs = quick ? 3 : 5;
    const key = `sk-ant-bench-${Math.random().toString(36).slice(2)}`;
    const server = await startModelServer({ key });
    const port = new URL(server.url).port;
    const cluster = await startFakeCluster({
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
    const dir = await mkdtemp(join(tmpdir(), 'corral-bench-agents-kube-'));
    const claims = watchClaims(cluster);
    const provider = createKubernetesProvider({
      kubeConfig: cluster.kubeConfig,
      namespace: NS,
      warmPool: POOL,
      connection: { mode: 'direct' },
    });
    const runner = new AgentRunner({ provider });
    try {
      const kubeconfig = join(dir, 'kubeconfig');
      await writeFile(kubeconfig, cluster.kubeconfigYaml(), { mode: 0o600 });
      cluster.store.create(SECRETS, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'model-keys', namespace: NS },
        data: { anthropic: Buffer.from(key).toString('base64') },
      });
      await applyTemplate(kubeconfig, port);
      cluster.store.create(POOLS, {
        apiVersion: 'extensions.agents.x-k8s.io/v1beta1',
        kind: 'SandboxWarmPool',
        metadata: { name: POOL, namespace: NS },
        spec: { replicas: 0, sandboxTemplateRef: { name: POOL } },
      });
      const home = join(dir, 'host-home');
      await mkdir(home);
      const hostVersion: number[] = [];
      for (let i = 0; i < runs; i++)
        hostVersion.push(
          await spawnMs(installed.bin, ['--version'], {
            PATH: '/usr/bin:/bin',
            HOME: home,
            DISABLE_AUTOUPDATER: '1',
          }),
        );
      const workspace = join(dir, 'workspace');
      await mkdir(workspace);
      for (let i = 0; i < 20; i++)
        await writeFile(join(workspace, `f${i}.ts`), `export const v${i} = ${i};\n`.repeat(50));

      const toReady: number[] = [];
      const readyToFirst: number[] = [];
      const readyToLaunch: number[] = [];
      const agentStart: number[] = [];
      const toRecord: number[] = [];
      const toFinished: number[] = [];
      const toClaimGone: number[] = [];
      // one unmeasured run first: the first start of the agent reads ~200 MB into the page cache
      for (let i = -1; i < runs; i++) {
        const { record, start, firstAt, resultAt, recordAt, finishedAt } = await timedRun(
          runner,
          server,
          `bench-kube-${i + 1}`,
          workspace,
        );
        if (i < 0) continue;
        const claim = [...claims.readyAt.keys()].find((n) => n.includes(`bench-kube-${i + 1}`));
        const readyAt = claim === undefined ? undefined : claims.readyAt.get(claim);
        const goneAt = claim === undefined ? undefined : claims.deletedAt.get(claim);
        if (readyAt === undefined || goneAt === undefined)
          throw new Error(`bench run ${i}: no Ready or delete seen for its claim`);
        const s = record.timings.setup ?? {};
        // the agent starts once its HOME and workspace are in (setup laps run back to back)
        const launchAt = start + (s.queueMs ?? 0) + (s.sandboxCreateMs ?? 0) + (s.workspaceMs ?? 0);
        toReady.push(readyAt - start);
        readyToFirst.push(firstAt - readyAt);
        readyToLaunch.push(launchAt - readyAt);
        agentStart.push(firstAt - launchAt);
        toRecord.push(recordAt - resultAt);
        toFinished.push(finishedAt - resultAt);
        toClaimGone.push(goneAt - resultAt);
      }
      const beyondReady = readyToFirst.map((t, i) => t + toFinished[i]!);
      const corralBeyondReady = readyToLaunch.map((t, i) => t + toFinished[i]!);
      const beyondP50 = median(beyondReady);
      const corralP50 = median(corralBeyondReady);
      return [
        ...p50p90('run() → claim Ready (controller, pod, runner start)', toReady),
        ...p50p90('claim Ready → first model request', readyToFirst),
        ...p50p90('  Corral: connect, workspace copy, HOME (Ready → agent launch)', readyToLaunch),
        ...p50p90('  agent start (claude) → first request', agentStart, {
          baseline: { label: 'claude --version, host', value: median(hostVersion) },
        }),
        ...p50p90('agent result → record with diff (wait())', toRecord),
        ...p50p90('agent result → finished() (claim deleted)', toFinished),
        ...p50p90('agent result → claim gone from the API server', toClaimGone),
        {
          name: 'beyond claim Ready: (Ready → first request) + (result → finished) p50',
          value: beyondP50,
          unit: 'ms',
          goal: { text: `< ${GOAL_MS} ms`, met: beyondP50 < GOAL_MS },
        },
        {
          name: "  of which Corral's (the agent's own start excluded) p50",
          value: corralP50,
          unit: 'ms',
          goal: { text: `< ${GOAL_MS} ms`, met: corralP50 < GOAL_MS },
        },
      ];
    } finally {
      claims.stop();
      await runner.close();
      await provider.close();
      await cluster.stop();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  },
};

export default bench;
