/**
 * Orchestrator overhead and throughput.
 * - Overhead per task: `runTask` → accepted, minus the sandbox's own start (`provisionMs`), with
 *   an instant provider (create returns at once; an in-process runner stand-in) and with the fake
 *   cluster's instant controller (claims, watches, the Kubernetes provider, the same stand-in).
 * - 200 concurrent tasks through one orchestrator: throughput, peak RSS, leaks.
 * - Startup latency like the seeds' learnings (claim → Ready, Ready → reachable), cold vs warm,
 *   on the local provider (real bubblewrap sandboxes) and the fake cluster.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createLocalProvider,
  type ProviderCreateOptions,
  type ProvisionedSandbox,
  type SandboxInfo,
  type SandboxProvider,
} from '@corral/sdk';
import { createOrchestrator, type TaskRecord } from '@corral/orchestrator';
import { startFakeCluster, type KubeObject, type PodRuntime } from '@corral/testing';
import { createKubernetesProvider } from '@corral/sdk/kubernetes';
import { type Benchmark, type BenchRow, median, percentile } from '../lib.js';
import { startStubRunner, type StubRunner } from './stub-runner.js';

/** create() returns at once with a fresh runner stand-in; the "sandbox's own start" is ~0. */
function instantProvider(): SandboxProvider & { live: number } {
  const live = new Map<string, { runner: StubRunner; info: SandboxInfo }>();
  return {
    name: 'instant',
    get live() {
      return live.size;
    },
    capabilities: () => ({
      isolation: 'none',
      network: ['full'],
      resourceLimits: false,
      warmPool: false,
      suspend: false,
      persistent: false,
    }),
    async create(options: ProviderCreateOptions): Promise<ProvisionedSandbox> {
      const id = options.id ?? `s-${live.size}`;
      const runner = await startStubRunner();
      const info: SandboxInfo = {
        id,
        provider: 'instant',
        state: 'running',
        createdAt: new Date(),
        isolation: {
          level: 'none',
          detail: 'stub',
          network: { mode: 'full' },
          limitsApplied: {},
          warnings: [],
        },
        labels: options.labels ?? {},
        metadata: {},
      };
      live.set(id, { runner, info });
      return { info, endpoint: { baseUrl: runner.baseUrl } };
    },
    get: (id) => {
      const s = live.get(id);
      return Promise.resolve(
        s ? { info: s.info, endpoint: { baseUrl: s.runner.baseUrl } } : undefined,
      );
    },
    list: (o) =>
      Promise.resolve(
        [...live.values()]
          .map((s) => s.info)
          .filter((i) => Object.entries(o?.labels ?? {}).every(([k, v]) => i.labels[k] === v)),
      ),
    async delete(id) {
      const s = live.get(id);
      live.delete(id);
      await s?.runner.close();
    },
    close: () => Promise.resolve(),
  };
}

/** runTask → accepted, beyond the sandbox's own start. */
function overheadMs(r: TaskRecord): number {
  return r.phases.queuedMs + r.phases.reachableMs + r.phases.acceptedMs;
}

/** A benchmark of failed tasks measures nothing: stop loudly. */
function requireSuccess(records: TaskRecord[], what: string): void {
  const bad = records.find((r) => r.state !== 'succeeded');
  if (bad)
    throw new Error(`${what}: task ${bad.taskID} ${bad.state}: ${JSON.stringify(bad.failure)}`);
}

function peakRss(): { stop(): number } {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage().rss) / (1024 * 1024);
    },
  };
}

async function burst(
  provider: SandboxProvider,
  n: number,
  prefix: string,
  owner: string,
): Promise<{
  seconds: number;
  mb: number;
  failed: number;
  records: TaskRecord[];
  provisionP50: number;
  queuedP50: number;
}> {
  const orch = createOrchestrator({
    provider,
    owner,
    concurrency: n,
    sweepIntervalMs: 0,
    sweepOnStart: false,
  });
  const rss = peakRss();
  const start = performance.now();
  const records = await Promise.all(
    Array.from({ length: n }, (_, i) => orch.runTask({ taskID: `${prefix}-${i}`, message: '' })),
  );
  const seconds = (performance.now() - start) / 1000;
  const mb = rss.stop();
  await orch.close();
  const provisionP50 = median(records.map((r) => r.phases.provisionMs));
  const queuedP50 = median(records.map((r) => r.phases.queuedMs));
  return {
    seconds,
    mb,
    failed: records.filter((r) => r.state !== 'succeeded').length,
    records,
    provisionP50,
    queuedP50,
  };
}

/** Kubelet runtime: each pod's "runner" is a stand-in on its own loopback address, port 8888. */
function stubPods(): PodRuntime {
  const second = 1 + Math.floor(Math.random() * 250);
  let next = 0;
  const runners = new Map<string, StubRunner>();
  return {
    async start(pod: KubeObject) {
      const n = next++;
      const ip = `127.${second}.${1 + Math.floor(n / 250)}.${2 + (n % 250)}`;
      runners.set(pod.metadata.uid ?? '', await startStubRunner(ip, 8888));
      return { podIP: ip };
    },
    async stop(pod: KubeObject) {
      await runners.get(pod.metadata.uid ?? '')?.close();
      runners.delete(pod.metadata.uid ?? '');
    },
  };
}

async function fakeCluster(warm: number) {
  const cluster = await startFakeCluster({ kubelet: { startDelayMs: 0, runtime: stubPods() } });
  const ext = (resource: string) => ({
    group: 'extensions.agents.x-k8s.io',
    version: 'v1beta1',
    resource,
  });
  cluster.store.create(ext('sandboxtemplates'), {
    apiVersion: 'extensions.agents.x-k8s.io/v1beta1',
    kind: 'SandboxTemplate',
    metadata: { name: 'tpl', namespace: 'default' },
    spec: {
      podTemplate: {
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: 'runner', image: 'corral/runner:1' }],
        },
      },
    },
  });
  for (const [name, replicas] of [
    ['cold', 0],
    ['warm', warm],
  ] as const) {
    cluster.store.create(ext('sandboxwarmpools'), {
      apiVersion: 'extensions.agents.x-k8s.io/v1beta1',
      kind: 'SandboxWarmPool',
      metadata: { name, namespace: 'default' },
      spec: { replicas, sandboxTemplateRef: { name: 'tpl' } },
    });
  }
  const claims = () =>
    cluster.store
      .list(ext('sandboxclaims'), { namespace: 'default' })
      .items.filter((c) => c.metadata.labels?.['corral.dev/owner'] !== undefined).length;
  const poolReady = async () => {
    for (;;) {
      const s = cluster.store.get(ext('sandboxwarmpools'), 'default', 'warm')?.status as
        { readyReplicas?: number } | undefined;
      if ((s?.readyReplicas ?? 0) >= warm) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { cluster, claims, poolReady };
}

const bench: Benchmark = {
  title: 'orchestrator (overhead, 200-task burst, startup latency)',
  async run({ quick }) {
    const rows: BenchRow[] = [];
    const runs = quick ? 30 : 100;

    // ---- overhead, instant provider
    {
      const provider = instantProvider();
      const orch = createOrchestrator({
        provider,
        owner: 'bench',
        sweepIntervalMs: 0,
        sweepOnStart: false,
      });
      const samples: number[] = [];
      for (let i = 0; i < runs; i++)
        samples.push(overheadMs(await orch.runTask({ taskID: `o-${i}`, message: '' })));
      await orch.close();
      const p50 = median(samples);
      rows.push({
        name: 'instant provider: runTask → accepted p50',
        value: p50,
        unit: 'ms',
        goal: { text: '< 15 ms', met: p50 < 15 },
      });
      rows.push({
        name: 'instant provider: runTask → accepted p99',
        value: percentile(samples, 99),
        unit: 'ms',
      });
      const b = await burst(provider, 200, 'b', 'bench-burst');
      rows.push({
        name: 'instant provider: 200 concurrent tasks throughput',
        value: 200 / b.seconds,
        unit: 'ops/s',
      });
      rows.push({ name: 'instant provider: 200 concurrent, peak RSS', value: b.mb, unit: 'MB' });
      rows.push({
        name: 'instant provider: 200 concurrent, failed + leaked',
        value: b.failed + provider.live,
        unit: 'count',
        goal: { text: '0', met: b.failed + provider.live === 0 },
      });
    }

    // ---- fake cluster, instant controller
    {
      const { cluster, claims, poolReady } = await fakeCluster(quick ? 5 : 10);
      try {
        const provider = createKubernetesProvider({
          kubeConfig: cluster.kubeConfig,
          warmPool: 'cold',
          owner: 'bench-k8s',
          connection: { mode: 'direct' },
        });
        const orch = createOrchestrator({
          provider,
          owner: 'bench-k8s',
          sweepIntervalMs: 0,
          sweepOnStart: false,
        });
        const cold: TaskRecord[] = [];
        for (let i = 0; i < (quick ? 20 : 50); i++)
          cold.push(await orch.runTask({ taskID: `k-${i}`, message: '' }));
        requireSuccess(cold, 'fake cluster cold');
        const over = cold.map(overheadMs);
        rows.push({
          name: 'fake cluster: runTask → accepted beyond claim Ready, p50',
          value: median(over),
          unit: 'ms',
          goal: { text: '< 15 ms', met: median(over) < 15 },
        });
        rows.push({
          name: 'fake cluster cold: claim → Ready p50',
          value: median(cold.map((r) => r.phases.provisionMs)),
          unit: 'ms',
        });
        rows.push({
          name: 'fake cluster cold: Ready → reachable p50',
          value: median(cold.map((r) => r.phases.reachableMs)),
          unit: 'ms',
        });
        rows.push({
          name: 'fake cluster: cleanup (claim delete) p50',
          value: median(cold.map((r) => r.phases.cleanupMs)),
          unit: 'ms',
        });
        await poolReady();
        const warmProvider = createKubernetesProvider({
          kubeConfig: cluster.kubeConfig,
          warmPool: 'warm',
          owner: 'bench-k8s',
          connection: { mode: 'direct' },
        });
        const warmOrch = createOrchestrator({
          provider: warmProvider,
          owner: 'bench-k8s',
          sweepIntervalMs: 0,
          sweepOnStart: false,
        });
        const warm: TaskRecord[] = [];
        for (let i = 0; i < (quick ? 5 : 10); i++) {
          warm.push(await warmOrch.runTask({ taskID: `w-${i}`, message: '' }));
          await poolReady();
        }
        requireSuccess(warm, 'fake cluster warm');
        rows.push({
          name: 'fake cluster warm: claim → Ready p50',
          value: median(warm.map((r) => r.phases.provisionMs)),
          unit: 'ms',
        });
        rows.push({
          name: 'fake cluster warm: Ready → reachable p50',
          value: median(warm.map((r) => r.phases.reachableMs)),
          unit: 'ms',
        });
        const b = await burst(provider, 200, 'kb', 'bench-k8s');
        rows.push({
          name: 'fake cluster: 200 concurrent tasks throughput',
          value: 200 / b.seconds,
          unit: 'ops/s',
        });
        rows.push({
          name: 'fake cluster: 200 concurrent, claim → Ready p50 (controller-bound)',
          value: b.provisionP50,
          unit: 'ms',
        });
        rows.push({
          name: 'fake cluster: 200 concurrent, peak RSS (incl. fake API server)',
          value: b.mb,
          unit: 'MB',
        });
        const left = claims();
        rows.push({
          name: 'fake cluster: 200 concurrent, failed + Corral claims left',
          value: b.failed + left,
          unit: 'count',
          goal: { text: '0', met: b.failed + left === 0 },
        });
        await orch.close();
        await warmOrch.close();
        await provider.close();
        await warmProvider.close();
      } finally {
        await cluster.stop();
      }
    }

    // ---- local provider (real bubblewrap sandboxes): startup latency cold vs warm
    {
      const base = process.getuid?.() === 0 ? '/var/lib' : '/tmp';
      const stateDir = await mkdtemp(join(base, 'corral-bench-orch-'));
      const n = quick ? 3 : 8;
      try {
        const coldProvider = createLocalProvider({ stateDir });
        const orch = createOrchestrator({
          provider: coldProvider,
          owner: 'bench-local',
          sweepIntervalMs: 0,
          sweepOnStart: false,
        });
        const cold: TaskRecord[] = [];
        for (let i = 0; i < n; i++)
          cold.push(await orch.runTask({ taskID: `lc-${i}`, message: '', command: 'true' }));
        await orch.close();
        await coldProvider.close();
        const warmProvider = createLocalProvider({ stateDir, minReady: 1 });
        const warmOrch = createOrchestrator({
          provider: warmProvider,
          owner: 'bench-local',
          sweepIntervalMs: 0,
          sweepOnStart: false,
        });
        const warm: TaskRecord[] = [];
        for (let i = 0; i < n; i++) {
          await warmProvider.whenPoolReady();
          warm.push(await warmOrch.runTask({ taskID: `lw-${i}`, message: '', command: 'true' }));
        }
        await warmOrch.close();
        await warmProvider.close();
        requireSuccess([...cold, ...warm], 'local');
        for (const [label, set] of [
          ['cold', cold],
          ['warm', warm],
        ] as const) {
          rows.push({
            name: `local ${label}: create → listening (claim → Ready) p50`,
            value: median(set.map((r) => r.phases.provisionMs)),
            unit: 'ms',
            baseline: { label: 'seeds PoC cold (kind)', value: 8000 },
          });
          rows.push({
            name: `local ${label}: → reachable p50`,
            value: median(set.map((r) => r.phases.reachableMs)),
            unit: 'ms',
          });
          rows.push({
            name: `local ${label}: → accepted p50`,
            value: median(set.map((r) => r.phases.acceptedMs)),
            unit: 'ms',
          });
          rows.push({
            name: `local ${label}: whole task (true) p50`,
            value: median(set.map((r) => r.finishedAt.getTime() - r.startedAt.getTime())),
            unit: 'ms',
          });
        }
        const leftLocal = (await createLocalProvider({ stateDir }).list()).length;
        rows.push({
          name: 'local: sandboxes left',
          value: leftLocal,
          unit: 'count',
          goal: { text: '0', met: leftLocal === 0 },
        });
      } finally {
        await rm(stateDir, { recursive: true, force: true });
      }
    }
    return rows;
  },
};

export default bench;
