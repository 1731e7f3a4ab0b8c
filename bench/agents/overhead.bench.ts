/**
 * Corral's overhead per agent run, model time excluded: real Claude Code (from the install cache)
 * in a local bubblewrap sandbox against the scripted model server on loopback, whose one answer
 * is immediate. Measured: run() → the agent's first model request (split into Corral's setup
 * steps and the rest: the agent's start), and the agent's result → the finished record with diff
 * (sandbox deleted). Beside them, in the same run: the agent CLI's own start, `claude --version`,
 * on the host and in the same kind of sandbox.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createLocalProvider, RunnerClient } from '../../packages/sdk/src/index.js';
import {
  AgentRunner,
  claudeCode,
  defaultAgentCacheDir,
  findInstalled,
  type AgentRunRecord,
} from '../../packages/agents/src/index.js';
import {
  BRIDGE_FILE,
  BRIDGE_PY_FILE,
  BRIDGE_PY_SOURCE,
  BRIDGE_READY,
  BRIDGE_SOURCE,
} from '../../packages/agents/src/gateway/bridge.js';
import { bridgeArgv } from '../../packages/agents/src/in-sandbox.js';
import { startModelServer } from '../../packages/agents/test/model-server/model-server.js';
import { type Benchmark, type BenchRow, median, percentile } from '../lib.js';
import { timedRun } from './timed-run.js';

const GOAL_MS = 300;

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

async function runMs(client: RunnerClient, argv: string[], env: Record<string, string> = {}) {
  const start = performance.now();
  const r = await client.commands.run(argv, { env });
  if (r.exitCode !== 0) throw new Error(`${argv.join(' ')} exited with ${r.exitCode}: ${r.stderr}`);
  return performance.now() - start;
}

/** Starts the bridge a run starts (Python's where the host has it) and times its ready line. */
async function bridgeReadyMs(client: RunnerClient): Promise<number> {
  const start = performance.now();
  let out = '';
  let ready: (ms: number) => void = () => undefined;
  const readyAt = new Promise<number>((resolve) => (ready = resolve));
  const handle = await client.commands.run(bridgeArgv(), {
    background: true,
    keepStdinOpen: false,
    onStdout: (text) => {
      out += text;
      if (out.includes(BRIDGE_READY)) ready(performance.now() - start);
    },
  });
  const failed = handle.wait().then((r) => {
    throw new Error(`the bridge exited with ${r.exitCode} before it was ready: ${r.stderr}`);
  });
  const ms = await Promise.race([readyAt, failed]);
  failed.catch(() => undefined);
  await handle.kill('SIGKILL');
  return ms;
}

/** A small git repository, like the workspaces agents get. */
async function makeWorkspace(dir: string): Promise<void> {
  await mkdir(join(dir, 'src'), { recursive: true });
  await writeFile(join(dir, 'README.md'), '# bench\n');
  for (let i = 0; i < 20; i++)
    await writeFile(join(dir, 'src', `f${i}.ts`), `export const v${i} = ${i};\n`.repeat(50));
  const git = (...args: string[]) =>
    spawnMs('git', args, {
      PATH: '/usr/bin:/bin',
      GIT_CONFIG_NOSYSTEM: '1',
      HOME: dir,
      GIT_AUTHOR_NAME: 'bench',
      GIT_AUTHOR_EMAIL: 'bench@localhost',
      GIT_COMMITTER_NAME: 'bench',
      GIT_COMMITTER_EMAIL: 'bench@localhost',
    });
  await git('-C', dir, 'init', '-q');
  await git('-C', dir, 'add', '-A');
  await git('-C', dir, 'commit', '-qm', 'start');
}

const p50p90 = (name: string, samples: number[], extra: Partial<BenchRow> = {}): BenchRow[] => [
  { name: `${name} p50`, value: median(samples), unit: 'ms', ...extra },
  { name: `${name} p90`, value: percentile(samples, 90), unit: 'ms' },
];

const bench: Benchmark = {
  title: 'agent run overhead (Claude Code, local bubblewrap, scripted model)',
  async run({ quick }) {
    const cacheDir = process.env.CORRAL_AGENT_CACHE ?? defaultAgentCacheDir();
    const installed = await findInstalled(claudeCode, { cacheDir });
    if (!installed) {
      const why =
        `Claude Code ${claudeCode.npm?.version} is not installed in ${cacheDir}; ` +
        'run `corral agent install claude-code` (or set CORRAL_AGENT_CACHE)';
      return [{ name: `agent overhead SKIPPED: ${why}`, value: 0, unit: 'count' }];
    }
    const runs = quick ? 3 : 5;
    const root = process.getuid?.() === 0;
    // under /var/lib so the sandbox's dropped uid can traverse it when run as root
    const stateDir = await mkdtemp(join(root ? '/var/lib' : '/tmp', 'corral-bench-agents-'));
    const key = `sk-ant-bench-${Math.random().toString(36).slice(2)}`;
    const provider = createLocalProvider({ stateDir });
    const server = await startModelServer({ key });
    const runner = new AgentRunner({
      provider,
      cacheDir,
      gatewayDir: join(stateDir, 'gateways'),
      upstreams: { anthropic: { url: server.url, apiKey: key } },
    });
    try {
      const home = join(stateDir, 'host-home');
      await mkdir(home);
      const hostEnv = { PATH: '/usr/bin:/bin', HOME: home, DISABLE_AUTOUPDATER: '1' };
      const hostVersion: number[] = [];
      // how loaded the machine is, in the unit every sandbox pays at least once (the runner)
      const hostNode: number[] = [];
      for (let i = 0; i < runs; i++) {
        hostVersion.push(await spawnMs(installed.bin, ['--version'], hostEnv));
        hostNode.push(await spawnMs(process.execPath, ['-e', '0'], { PATH: '/usr/bin:/bin' }));
      }

      // the same kind of sandbox as a run's: the agent and a bridge script bound read-only
      const bridgeDir = join(stateDir, 'bridge');
      await mkdir(bridgeDir);
      await writeFile(join(bridgeDir, BRIDGE_FILE), BRIDGE_SOURCE);
      await writeFile(join(bridgeDir, BRIDGE_PY_FILE), BRIDGE_PY_SOURCE);
      const sandbox = await provider.create({
        readOnlyBinds: { agent: installed.dir, gateway: bridgeDir },
      });
      const client = new RunnerClient(sandbox.endpoint);
      const execTrue: number[] = [];
      const bridgeStart: number[] = [];
      const sandboxVersion: number[] = [];
      try {
        const inner = { HOME: '/work', DISABLE_AUTOUPDATER: '1' };
        const bin = `/opt/corral/agent/${installed.binary}`;
        await runMs(client, [bin, '--version'], inner); // page cache, like the host's first run
        for (let i = 0; i < runs; i++) {
          execTrue.push(await runMs(client, ['true']));
          // the in-sandbox half of the gateway (a run starts it beside the workspace copy),
          // up to its ready line, as a run waits for it
          bridgeStart.push(await bridgeReadyMs(client));
          sandboxVersion.push(await runMs(client, [bin, '--version'], inner));
        }
      } finally {
        client.close();
        await provider.delete(sandbox.info.id);
      }

      const workspace = join(stateDir, 'workspace');
      await makeWorkspace(workspace);
      const toFirst: number[] = [];
      const toRecord: number[] = [];
      const toCleanedUp: number[] = [];
      const records: AgentRunRecord[] = [];
      // one unmeasured run first: the first start of the agent reads ~200 MB into the page cache
      for (let i = -1; i < runs; i++) {
        const { record, start, firstAt, resultAt, recordAt, finishedAt } = await timedRun(
          runner,
          server,
          `bench-agent-${i + 1}`,
          workspace,
        );
        if (i < 0) continue;
        toFirst.push(firstAt - start);
        toRecord.push(recordAt - resultAt);
        toCleanedUp.push(finishedAt - resultAt);
        records.push(record);
      }
      const setup = records.map((r) => r.timings.setup ?? {});
      const step = (pick: (s: (typeof setup)[number]) => number | undefined) =>
        setup.map((s) => pick(s) ?? 0);
      const corralSetup = setup.map(
        (s) =>
          (s.queueMs ?? 0) +
          (s.gatewayStartMs ?? 0) +
          (s.sandboxCreateMs ?? 0) +
          (s.workspaceMs ?? 0) +
          (s.bridgeWaitMs ?? 0),
      );
      const agentStart = toFirst.map((t, i) => t - corralSetup[i]!);
      const finish = toRecord;
      const overhead = corralSetup.map((s, i) => s + finish[i]!);
      const hostP50 = median(hostVersion);
      const overheadP50 = median(overhead);
      return [
        ...p50p90('run() → first model request', toFirst, {
          baseline: { label: 'claude --version, host', value: hostP50 },
        }),
        ...p50p90("  Corral's setup (gateway, sandbox, workspace, HOME, bridge)", corralSetup, {
          baseline: { label: 'node -e 0, host', value: median(hostNode) },
        }),
        { name: '    gateway start p50', value: median(step((s) => s.gatewayStartMs)), unit: 'ms' },
        {
          name: '    sandbox create (agent bound) p50',
          value: median(step((s) => s.sandboxCreateMs)),
          unit: 'ms',
        },
        {
          name: '    workspace copy + start tree (HOME files beside) p50',
          value: median(step((s) => s.workspaceMs)),
          unit: 'ms',
        },
        {
          name: '    bridge wait (after the overlap) p50',
          value: median(step((s) => s.bridgeWaitMs)),
          unit: 'ms',
        },
        ...p50p90('  agent start (claude) → first request', agentStart, {
          baseline: { label: 'claude --version, sandbox', value: median(sandboxVersion) },
        }),
        ...p50p90('agent result → record with diff (wait())', toRecord),
        ...p50p90('agent result → sandbox and gateway gone (finished())', toCleanedUp),
        {
          name: "Corral's overhead (setup + result → record) p50",
          value: overheadP50,
          unit: 'ms',
          goal: { text: `< ${GOAL_MS} ms`, met: overheadP50 < GOAL_MS },
        },
        {
          name: 'claude --version in a sandbox p50',
          value: median(sandboxVersion),
          unit: 'ms',
          baseline: { label: 'host', value: hostP50 },
        },
        {
          name: `bridge ready in a sandbox (${bridgeArgv()[0]?.endsWith('python3') ? 'Python' : 'node'}) p50`,
          value: median(bridgeStart),
          unit: 'ms',
          baseline: { label: 'exec true in sandbox', value: median(execTrue) },
        },
      ];
    } finally {
      await runner.close();
      await provider.close();
      await server.close();
      await rm(stateDir, { recursive: true, force: true });
    }
  },
};

export default bench;
