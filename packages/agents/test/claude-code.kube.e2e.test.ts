/**
 * The real Claude Code binary in a runner pod of the fake cluster, through `AgentRunner` on the
 * Kubernetes provider — the same `run.ts` path as locally, with the `image` placement: the pod's
 * image provides the agent (the fake kubelet stands the local agent cache in for the image,
 * a test-double mapping), the template built by `corral template apply --agent` gives the pod the
 * key from a Secret by reference, and the pod reaches the scripted model server on loopback
 * through the fake's egress allow-list (an HTTP proxy, the stand-in for the internet).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliContext } from '@corral/cli';
import { AgentRunner, claudeCode, findInstalled, type AgentEvent } from '@corral/agents';
import { createKubernetesProvider, type KubernetesProvider } from '@corral/sdk/kubernetes';
import { detectIsolation } from '@corral/sdk';
import { startFakeCluster, type FakeCluster, type ProcessRuntime } from '@corral/testing';
import { startModelServer, type ModelServer } from './model-server/model-server.js';

const CACHE = process.env.CORRAL_AGENT_CACHE ?? '/var/cache/corral-agents';
const installed = await findInstalled(claudeCode, { cacheDir: CACHE });
// pod egress goes through the allow-list proxy, which needs bubblewrap
const bubblewrap = (await detectIsolation()).bubblewrap.available;
const KEY = `sk-ant-test-${Math.random().toString(36).slice(2)}-KUBEKEY`;
const NS = 'corral-agents';
const MODEL_HOST = 'model.corral.test';
const GVR = {
  claims: { group: 'extensions.agents.x-k8s.io', version: 'v1beta1', resource: 'sandboxclaims' },
  sandboxes: { group: 'agents.x-k8s.io', version: 'v1beta1', resource: 'sandboxes' },
  templates: {
    group: 'extensions.agents.x-k8s.io',
    version: 'v1beta1',
    resource: 'sandboxtemplates',
  },
  pools: { group: 'extensions.agents.x-k8s.io', version: 'v1beta1', resource: 'sandboxwarmpools' },
  pods: { group: '', version: 'v1', resource: 'pods' },
  secrets: { group: '', version: 'v1', resource: 'secrets' },
} as const;

const SKIP_REASON = !installed
  ? ` (skipped: not installed in ${CACHE}; run \`corral agent install claude-code\`)`
  : !bubblewrap
    ? ' (skipped: bubblewrap is not available here; the fake pods reach the model host only through its allow-list proxy)'
    : '';

/** The CLI in this process (the same parsing and commands as the binary). */
async function corral(args: string[], kubeconfig: string) {
  let stdout = '';
  let stderr = '';
  const ctx: CliContext = {
    stdout: { write: (chunk) => ((stdout += String(chunk)), true) },
    stderr: { write: (chunk) => ((stderr += String(chunk)), true) },
    stdin: (async function* () {})(),
    env: { NO_COLOR: '1', KUBECONFIG: kubeconfig },
    signal: new AbortController().signal,
    openProvider: () => Promise.reject(new Error('not used here')),
    createDetached: () => Promise.reject(new Error('not used here')),
  };
  const code = await runCli(args, ctx);
  return { code, stdout, stderr };
}

describe.skipIf(SKIP_REASON !== '')(
  `Claude Code ${claudeCode.npm?.version} in a runner pod of the fake cluster${SKIP_REASON}`,
  // a real agent start is seconds of CPU; on a shared 2-core box give it room
  { timeout: 180_000 },
  () => {
    let server: ModelServer;
    let cluster: FakeCluster;
    let provider: KubernetesProvider;
    let runner: AgentRunner;
    let dir: string;
    /** Every claim, template and pod object the API server held, as JSON, for the key scan. */
    const seen: string[] = [];
    const stops: (() => void)[] = [];

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
      for (const gvr of [GVR.claims, GVR.templates, GVR.pods, GVR.sandboxes])
        stops.push(
          cluster.store.watch(gvr, { namespace: NS }, (e) => seen.push(JSON.stringify(e.object))),
        );
      dir = await mkdtemp(join(tmpdir(), 'corral-agents-kube-'));
      const kubeconfig = join(dir, 'kubeconfig');
      await writeFile(kubeconfig, cluster.kubeconfigYaml(), { mode: 0o600 });
      // the key goes in as a Secret, as `kubectl create secret generic` would put it
      cluster.store.create(GVR.secrets, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'model-keys', namespace: NS },
        data: { anthropic: Buffer.from(KEY).toString('base64') },
      });
      const applied = await corral(
        [
          'template',
          'apply',
          'claude-agent',
          '--agent',
          'claude-code',
          '--api-key-secret',
          'model-keys/anthropic',
          '--model-url',
          `http://${MODEL_HOST}:${port}`,
          '-n',
          NS,
        ],
        kubeconfig,
      );
      expect(applied.code, applied.stderr).toBe(0);
      cluster.store.create(GVR.pools, {
        apiVersion: 'extensions.agents.x-k8s.io/v1beta1',
        kind: 'SandboxWarmPool',
        metadata: { name: 'claude-agent', namespace: NS },
        spec: { replicas: 0, sandboxTemplateRef: { name: 'claude-agent' } },
      });
      provider = createKubernetesProvider({
        kubeConfig: cluster.kubeConfig,
        namespace: NS,
        warmPool: 'claude-agent',
        connection: { mode: 'direct' },
        readyTimeoutMs: 60_000,
      });
      runner = new AgentRunner({ provider });
    });

    afterAll(async () => {
      await runner?.close();
      await provider?.close();
      for (const stop of stops) stop();
      if (cluster) {
        for (const [gvr, name] of [
          [GVR.pools, 'claude-agent'],
          [GVR.templates, 'claude-agent'],
          [GVR.secrets, 'model-keys'],
        ] as const)
          if (cluster.store.get(gvr, NS, name)) cluster.store.delete(gvr, NS, name);
        await cluster.stop();
      }
      await server?.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    async function collect(run: { events(): AsyncIterable<AgentEvent> }) {
      const events: AgentEvent[] = [];
      for await (const e of run.events()) events.push(e);
      return events;
    }

    /** Resolves once nothing of `gvr` is left in the namespace (store-watch driven). */
    function whenNone(gvr: (typeof GVR)[keyof typeof GVR]): Promise<void> {
      return new Promise((resolve) => {
        let done = false;
        const check = () => {
          if (!done && cluster.store.list(gvr, { namespace: NS }).items.length === 0) {
            done = true;
            queueMicrotask(() => stop());
            resolve();
          }
        };
        const stop = cluster.store.watch(gvr, { namespace: NS }, check);
        check();
      });
    }

    it('reads, edits, runs a command and finishes; the key only by Secret reference; the claim is gone after', async () => {
      expect(runner.placement).toBe('image');
      const ws = join(dir, 'ws');
      await mkdir(ws);
      await writeFile(join(ws, 'hello.txt'), 'hello\n');
      server.setScript([
        { tool: 'Read', input: { file_path: '/work/repo/hello.txt' } },
        {
          tool: 'Edit',
          input: { file_path: '/work/repo/hello.txt', old_string: 'hello', new_string: 'goodbye' },
        },
        { tool: 'Bash', input: { command: 'cat hello.txt', description: 'show' } },
        { text: 'All done.' },
      ]);
      const before = server.requests.length;
      const run = await runner.run({
        agent: 'claude-code',
        taskId: 'cc-kube',
        prompt: 'Change hello to goodbye in hello.txt',
        workspace: { dir: ws },
        timeoutMs: 150_000,
      });
      const events: AgentEvent[] = [];
      for await (const e of run.events()) events.push(e);
      const record = await run.finished();

      expect(record.state, JSON.stringify(record.error)).toBe('succeeded');
      expect(record.text).toBe('All done.');
      expect(record.files).toEqual([{ path: 'hello.txt', change: 'modified' }]);
      expect(record.diff).toContain('-hello\n+goodbye\n');
      expect(events.map((e) => e.type)).toEqual([
        'session.started',
        ...Array<string[]>(3).fill(['tool.call', 'tool.result']).flat(),
        'assistant.text',
        'usage',
        'result',
        'file.changed',
      ]);
      const calls = events.filter((e) => e.type === 'tool.call');
      expect(calls.map((c) => c.name)).toEqual(['Read', 'Edit', 'Bash']);
      const results = events.filter((e) => e.type === 'tool.result');
      expect(results.every((r) => r.ok)).toBe(true);
      expect(results[2]!.output.trim()).toBe('goodbye');
      // the agent authenticated with the Secret's key, sent by the pod itself (no Corral gateway)
      const made = server.requests.slice(before);
      expect(made.filter((r) => r.scripted)).toHaveLength(4);
      expect(made.every((r) => r.headers['x-api-key'] === KEY)).toBe(true);
      // without a gateway the usage is the agent's own report: 4 answers of 100 in / 20 out
      expect(record.usage).toMatchObject({ inputTokens: 400, outputTokens: 80, turns: 4 });
      // the key is in no claim, template, Sandbox or pod object the API server ever held
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.some((o) => o.includes('"secretKeyRef"'))).toBe(true);
      expect(
        seen.filter((o) => o.includes(KEY) || o.includes(Buffer.from(KEY).toString('base64'))),
      ).toEqual([]);
      // the claim and everything under it is gone, and no runner process is left
      await whenNone(GVR.claims);
      await whenNone(GVR.pods);
      expect(await provider.list()).toEqual([]);
      expect((cluster.kubelet!.runtime as ProcessRuntime).processes()).toEqual([]);
    });

    it('plan → approve → execute resumes the same session in the same pod', async () => {
      const ws = join(dir, 'ws-plan');
      await mkdir(ws);
      await writeFile(join(ws, 'hello.txt'), 'hello\n');
      server.setScript([
        { tool: 'Read', input: { file_path: '/work/repo/hello.txt' } },
        { text: '1. Replace hello with goodbye in hello.txt' },
      ]);
      const run = await runner.run({
        agent: 'claude-code',
        taskId: 'cc-kube-plan',
        prompt: 'Change hello to goodbye in hello.txt',
        workspace: { dir: ws },
        mode: 'plan',
        timeoutMs: 150_000,
      });
      const planned = await run.wait();
      expect(planned.state, JSON.stringify(planned.error)).toBe('awaiting-approval');
      expect(planned.plan).toBe('1. Replace hello with goodbye in hello.txt');
      const pods = cluster.store.list(GVR.pods, { namespace: NS }).items;
      expect(pods).toHaveLength(1);
      server.setScript([
        {
          tool: 'Edit',
          input: { file_path: '/work/repo/hello.txt', old_string: 'hello', new_string: 'goodbye' },
        },
        { text: 'Executed.' },
      ]);
      const afterPlan = server.requests.length;
      await run.approve();
      const record = await run.finished();
      expect(record.state, JSON.stringify(record.error)).toBe('succeeded');
      expect(record.text).toBe('Executed.');
      expect(record.diff).toContain('-hello\n+goodbye\n');
      // the execute phase continued the plan's conversation (--resume in the kept pod)
      const execute = server.requests.slice(afterPlan).find((r) => r.scripted)!;
      expect(JSON.stringify(execute.body.messages)).toContain(
        '1. Replace hello with goodbye in hello.txt',
      );
      const sessions = new Set(
        (await collect(run)).filter((e) => e.type === 'session.started').map((e) => e.sessionId),
      );
      expect(sessions.size).toBe(1);
      // the same pod served both phases, and it is gone now
      await whenNone(GVR.pods);
      const podUids = new Set(
        seen
          .map((o) => JSON.parse(o) as { kind?: string; metadata: { name?: string; uid?: string } })
          .filter((o) => o.kind === 'Pod' && o.metadata.name === pods[0]!.metadata.name)
          .map((o) => o.metadata.uid),
      );
      expect([...podUids]).toEqual([pods[0]!.metadata.uid]);
      expect(cluster.store.list(GVR.claims, { namespace: NS }).items).toEqual([]);
    });

    it('token and cost limits are refused up front: no gateway sees the tokens on Kubernetes', async () => {
      await expect(
        runner.run({
          agent: 'claude-code',
          taskId: 'cc-kube-budget',
          prompt: 'x',
          workspace: { dir },
          maxCostUsd: 1,
        }),
      ).rejects.toThrow('maxCostUsd cannot be enforced when the sandbox image provides the agent');
      expect(cluster.store.list(GVR.claims, { namespace: NS }).items).toEqual([]);
    });
  },
);
