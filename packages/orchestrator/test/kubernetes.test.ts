/**
 * The orchestrator end to end on the fake cluster with real runner pods (`runtime: 'process'`),
 * on both API versions. Every test ends (afterEach) with zero Corral claims, no pod that served
 * a claim, and no runner process left.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createOrchestrator, sandboxIdFor, type Orchestrator } from '@corral/orchestrator';
import type { KubeObject } from '@corral/testing';
import { freezable, untilPhase } from './helpers.js';
import { NS, PODS, startKubeEnv, type ApiVersion, type KubeEnv } from './kube-env.js';

let env: KubeEnv | undefined;
const open: Orchestrator[] = [];

type Options = Partial<Parameters<typeof createOrchestrator>[0]>;

/** Which sandboxes a provider claims: a runner (`cold`), a pool (`warm`) or a faulty template. */
type Kind = 'cold' | 'warm' | 'deaf' | 'broken';

/** Provider options for `kind`: v1beta1 claims name a pool; v1alpha1 claims name a template. */
function source(e: KubeEnv, kind: Kind): { warmPool?: string; template?: string } {
  if (e.version === 'v1beta1') return { warmPool: kind };
  if (kind === 'warm') return { template: 'tpl', warmPool: 'warm' };
  return { template: kind === 'cold' ? 'tpl' : kind };
}

function orchestrator(e: KubeEnv, owner: string, options: Options = {}, kind: Kind = 'cold') {
  const orch = createOrchestrator({
    provider: e.provider(owner, source(e, kind)),
    owner,
    sweepIntervalMs: 0,
    sweepOnStart: false,
    timeouts: { reachableMs: 5_000 },
    ...options,
  });
  open.push(orch);
  return orch;
}

afterEach(async () => {
  for (const orch of open.splice(0)) await orch.close();
  const e = env;
  env = undefined;
  if (e === undefined) return;
  try {
    // zero Corral claims, no claimed pod, no runner process left
    await e.verifyClean();
  } finally {
    await e.stop();
  }
});

/** The claim as first created (captured from the store's watch). */
function firstClaim(e: KubeEnv): Promise<KubeObject> {
  return new Promise((resolve) => {
    const stop = e.cluster.store.watch(e.claimsGvr, { namespace: NS }, (event) => {
      if (event.type !== 'ADDED') return;
      stop();
      resolve(event.object);
    });
  });
}

describe.each<ApiVersion>(['v1beta1', 'v1alpha1'])(
  'runTask on Kubernetes %s (fake cluster, pods run the real runner)',
  (version) => {
    it('cold start, one-shot runner: succeeds with phases, exit code and logs; the claim is deleted', async () => {
      env = await startKubeEnv({ version });
      const e = env;
      const orch = orchestrator(e, 'orch-k8s');
      const claimed = firstClaim(e);
      const record = await orch.runTask({
        taskID: 'cold-1',
        message: 'hi',
        command: ['sh', '-c', 'echo "cold:$CORRAL_TASK_MESSAGE"'],
      });
      expect(record).toMatchObject({
        state: 'succeeded',
        exitCode: 0,
        sandboxId: sandboxIdFor('cold-1'),
      });
      expect(record.logs).toContain('cold:hi');
      expect(record.phases.provisionMs).toBeGreaterThan(0);
      // the runner really ran in the claim's pod, and its log was read before the delete
      expect(e.runners().has(sandboxIdFor('cold-1'))).toBe(true);
      expect(record.podLogs).toContain('"msg":"listening"');
      const claim = await claimed;
      expect(claim.apiVersion).toBe(`extensions.agents.x-k8s.io/${version}`);
      expect(claim.spec).toMatchObject(
        version === 'v1beta1'
          ? { warmPoolRef: { name: 'cold' } }
          : { sandboxTemplateRef: { name: 'tpl' }, warmpool: 'none' },
      );
      expect(e.claims()).toEqual([]);
    });

    it('re-running a task id right after its cleanup gets a fresh claim, Sandbox and pod', async () => {
      env = await startKubeEnv({ version });
      const e = env;
      const orch = orchestrator(e, 'orch-rerun');
      const id = sandboxIdFor('again');
      const first = await orch.runTask({ taskID: 'again', message: '', command: 'echo one' });
      expect(first.state).toBe('succeeded');
      // the cleanup returned; deletion goes on in the background (GC, the pod's termination).
      // Another orchestrator (this one remembers the finished task) runs the same task id.
      const rerun = orchestrator(e, 'orch-rerun-2');
      const second = await rerun.runTask({ taskID: 'again', message: '', command: 'echo two' });
      expect(second).toMatchObject({ state: 'succeeded', sandboxId: id });
      // its own sandbox ran it: the new pod's output, not the old one's. (`logs`, not
      // `outputTail`: when the one-shot pod is seen ending before its result is read, the record
      // has the output from the pod's log only.)
      expect(first.logs).toContain('one');
      expect(second.logs).toContain('two');
      expect(second.logs).not.toMatch(/\bone\b/);
      expect(second.podLogs).not.toContain('"data":"one\\n"');
    });

    it('warm start: the claim adopts a Ready pool member, whose runner runs the task', async () => {
      env = await startKubeEnv({ version, warmReplicas: 1 });
      const e = env;
      const members = e.cluster.store
        .list(PODS, { namespace: NS })
        .items.map((p) => p.metadata.name);
      expect(members).toHaveLength(1);
      const orch = orchestrator(e, 'orch-warm', {}, 'warm');
      const claimed = firstClaim(e);
      const record = await orch.runTask({ taskID: 'warm-1', message: '', command: 'echo warm' });
      expect(record.state).toBe('succeeded');
      expect(record.logs).toContain('warm');
      const claim = await claimed;
      expect(claim.spec).toMatchObject(
        version === 'v1beta1'
          ? { warmPoolRef: { name: 'warm' } }
          : { sandboxTemplateRef: { name: 'tpl' }, warmpool: 'warm' },
      );
      // the pool member was used (and goes with the claim, after its graceful termination); no
      // cold pod was made
      expect(e.runners().has(sandboxIdFor('warm-1'))).toBe(false);
      await e.until(PODS, () => e.cluster.store.get(PODS, NS, members[0]!) === undefined);
      expect(e.corralClaims()).toEqual([]);
    });

    it('a task that fails: non-zero exit, the one-shot runner exits and the pod is Failed', async () => {
      env = await startKubeEnv({ version });
      const orch = orchestrator(env, 'orch-fail');
      const record = await orch.runTask({
        taskID: 'fails',
        message: '',
        command: 'echo bad >&2; exit 7',
      });
      expect(record.state).toBe('failed');
      // whichever came first: the runner's result (exit 7) or the pod's PodFailed
      expect(['TASK_EXIT_NONZERO', 'POD_FAILED']).toContain(record.failure?.code);
      if (record.completedBy === 'runner') expect(record.exitCode).toBe(7);
      expect(record.logs).toContain('bad');
    });

    it('a pod that fails mid-task: completion from the conditions alone', async () => {
      env = await startKubeEnv({ version });
      const e = env;
      const orch = orchestrator(e, 'orch-cond');
      const handle = orch.submit({ taskID: 'cond', message: '', command: ['sleep', '30'] });
      await untilPhase(orch, 'cond', 'run');
      // the pod ends behind the runner's back (node evicted it, the container was OOM-killed):
      // the kubelet stops its sandbox, so the runner's long-poll breaks
      e.cluster.kubelet!.failPod(NS, sandboxIdFor('cond'), { exitCode: 137, reason: 'OOMKilled' });
      const record = await handle.wait();
      expect(record).toMatchObject({
        state: 'failed',
        completedBy: 'conditions',
        failure: { code: 'POD_FAILED', phase: 'run' },
      });
    });

    it('a pod that fails to start (the runner exits before listening) fails the provision', async () => {
      env = await startKubeEnv({ version });
      const orch = orchestrator(env, 'orch-broken', { timeouts: { provisionMs: 2_000 } }, 'broken');
      const record = await orch.runTask({ taskID: 'broken', message: '', command: 'true' });
      expect(record).toMatchObject({ state: 'failed', failure: { phase: 'provision' } });
      // a runner sandbox really started (and exited on the flag it refuses)
      expect(env.runners().has(sandboxIdFor('broken'))).toBe(true);
      // Terminal at once on both versions: v1beta1 says Ready=False/PodFailed; v0.4.6 keeps
      // Ready=False/DependenciesNotReady and says PodFailed only in Finished=True.
      expect(record.failure).toMatchObject({ code: 'CLAIM_FAILED' });
      expect(record.failure?.message).toContain('PodFailed');
    });

    it('a runner that never becomes Ready fails the provision on its timeout', async () => {
      env = await startKubeEnv({ version });
      const e = env;
      // the pod is never started (Pending, Unschedulable), so its runner never becomes Ready
      const unblock = e.cluster.kubelet!.blockStart(NS, () => true);
      const orch = orchestrator(e, 'orch-unready', { timeouts: { provisionMs: 400 } });
      const record = await orch.runTask({ taskID: 'unready', message: '', command: 'true' });
      expect(record).toMatchObject({
        state: 'failed',
        failure: { code: 'TIMEOUT', phase: 'provision' },
      });
      expect(record.failure?.message).toContain('phase: Pending');
      expect(e.launchedCount()).toBe(0);
      unblock();
    });

    it('a runner that is Ready but never reachable fails in the reachable phase', async () => {
      env = await startKubeEnv({ version });
      // not a runner image: the pod is Ready on a 127.244.x.y address where nothing listens
      const orch = orchestrator(env, 'orch-deaf', { timeouts: { reachableMs: 300 } }, 'deaf');
      const record = await orch.runTask({ taskID: 'deaf', message: '' });
      expect(record.failure).toMatchObject({ code: 'RUNNER_UNREACHABLE', phase: 'reachable' });
      expect(env.launchedCount()).toBe(0);
    });

    it('an aborted create deletes the claim', async () => {
      env = await startKubeEnv({ version });
      const e = env;
      const unblock = e.cluster.kubelet!.blockStart(NS, () => true);
      const orch = orchestrator(e, 'orch-abort');
      const controller = new AbortController();
      const pending = orch.runTask({ taskID: 'stuck', message: '' }, { signal: controller.signal });
      await e.until(e.claimsGvr, () => e.claims().length === 1);
      controller.abort();
      expect(await pending).toMatchObject({ state: 'cancelled', failure: { phase: 'provision' } });
      expect(e.claims()).toEqual([]);
      unblock();
    });

    it('a create aborted while the runner pod starts deletes the claim and stops the pod', async () => {
      env = await startKubeEnv({ version });
      const e = env;
      const orch = orchestrator(e, 'orch-abort-start');
      const controller = new AbortController();
      // the runner's sandbox was launched: the runner is starting, not yet listening
      e.onLaunch(() => controller.abort());
      const record = await orch.runTask(
        { taskID: 'starting', message: '', command: 'true' },
        { signal: controller.signal },
      );
      expect(record).toMatchObject({ state: 'cancelled', failure: { phase: 'provision' } });
      expect(e.claims()).toEqual([]);
      expect(e.launchedCount()).toBe(1);
    });

    it('killed mid-task and restarted with the same owner: the new orchestrator adopts and cleans up', async () => {
      env = await startKubeEnv({ version });
      const e = env;
      const dying = freezable(e.provider('orch-crash', source(e, 'cold')));
      const first = createOrchestrator({
        provider: dying,
        owner: 'orch-crash',
        sweepIntervalMs: 0,
        sweepOnStart: false,
      });
      void first.runTask({
        taskID: 'crash',
        message: '',
        command: ['sh', '-c', 'sleep 0.5; echo after'],
      });
      await untilPhase(first, 'crash', 'run');
      dying.freeze();
      expect(e.corralClaims().map((c) => c.metadata.name)).toEqual([sandboxIdFor('crash')]);

      let adopted!: () => void;
      const sawAdoption = new Promise<void>((r) => (adopted = r));
      const second = orchestrator(e, 'orch-crash', {
        sweepOnStart: true,
        logger: (_l, message) => message.startsWith('adopting') && adopted(),
      });
      await sawAdoption;
      const record = await second.handle('crash')!.wait();
      expect(record).toMatchObject({ state: 'succeeded', adopted: true });
      // one-shot: the runner exited with the task, so its result came from the pod (log or conditions)
      expect(record.logs + record.outputTail + (record.podLogs ?? '')).toContain('after');
    });
  },
);

describe('Kubernetes v1beta1: owners and the sweeper', () => {
  it('the orchestrator’s owner goes on its claims even when the provider has another default', async () => {
    env = await startKubeEnv();
    const e = env;
    const provider = e.provider('provider-owner');
    const orch = createOrchestrator({
      provider,
      owner: 'other-owner',
      sweepIntervalMs: 0,
      sweepOnStart: false,
    });
    open.push(orch);
    const handle = orch.submit({ taskID: 'owned', message: '', command: ['sleep', '0.3'] });
    await untilPhase(orch, 'owned', 'run');
    const [info] = await provider.list({ labels: { 'corral.dev/owner': 'other-owner' } });
    expect(info).toMatchObject({
      id: sandboxIdFor('owned'),
      owner: 'other-owner',
      taskId: 'owned',
    });
    expect(info?.labels['corral.dev/owner']).toBeUndefined();
    expect((await handle.wait()).state).toBe('succeeded');
  });

  it('the sweeper deletes the claims of an owner that is gone, and leaves live owners alone', async () => {
    env = await startKubeEnv();
    const e = env;
    const ghost = freezable(e.provider('ghost'));
    const ghostOrch = createOrchestrator({
      provider: ghost,
      owner: 'ghost',
      sweepIntervalMs: 0,
      sweepOnStart: false,
    });
    void ghostOrch.runTask({ taskID: 'haunt', message: '', command: ['sleep', '30'] });
    await untilPhase(ghostOrch, 'haunt', 'run');
    ghost.freeze();

    const alive = orchestrator(e, 'alive');
    const running = alive.submit({ taskID: 'mine', message: '', command: ['sleep', '0.5'] });
    await untilPhase(alive, 'mine', 'run');

    const reaper = orchestrator(e, 'reaper', { isOwnerAlive: (owner) => owner !== 'ghost' });
    const report = await reaper.sweep();
    expect(report.deleted).toEqual([sandboxIdFor('haunt')]);
    expect(e.corralClaims().map((c) => c.metadata.name)).toEqual([sandboxIdFor('mine')]);
    expect((await running.wait()).state).toBe('succeeded');
  });
});
