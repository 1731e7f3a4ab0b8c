import { afterEach, describe, expect, it } from 'vitest';
import { createOrchestrator, sandboxIdFor, type Orchestrator } from '@corral/orchestrator';
import { freezable, untilPhase } from './helpers.js';
import { CLAIMS, NS, startKubeEnv, type KubeEnv } from './kube-env.js';

let env: KubeEnv | undefined;
const open: Orchestrator[] = [];

function orchestrator(
  e: KubeEnv,
  owner: string,
  options: Partial<Parameters<typeof createOrchestrator>[0]> = {},
) {
  const orch = createOrchestrator({
    provider: e.provider(owner),
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
  if (env !== undefined) {
    // every test ends with zero Corral claims in the store
    expect(env.corralClaims()).toEqual([]);
    await env.stop();
  }
  env = undefined;
});

describe('runTask on Kubernetes (fake cluster, pods run the real runner)', () => {
  it('cold start, one-shot runner: succeeds with phases, exit code and logs; the claim is deleted', async () => {
    env = await startKubeEnv();
    const orch = orchestrator(env, 'orch-k8s');
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
    expect(env.claims()).toEqual([]);
  });

  it('warm start from a pool', async () => {
    env = await startKubeEnv({ warmReplicas: 1 });
    const e = env;
    const orch = createOrchestrator({
      provider: e.provider('orch-warm', { warmPool: 'warm' }),
      owner: 'orch-warm',
      sweepIntervalMs: 0,
      sweepOnStart: false,
    });
    open.push(orch);
    const record = await orch.runTask({ taskID: 'warm-1', message: '', command: 'echo warm' });
    expect(record.state).toBe('succeeded');
    expect(record.logs).toContain('warm');
    // the pool refills; only pool members (no Corral claims) remain
    expect(e.corralClaims()).toEqual([]);
  });

  it('completion from the conditions alone when the runner is gone (pod exits)', async () => {
    env = await startKubeEnv();
    const e = env;
    const orch = orchestrator(e, 'orch-cond');
    const handle = orch.submit({ taskID: 'cond', message: '', command: ['sleep', '30'] });
    await untilPhase(orch, 'cond', 'run');
    // the pod ends behind the runner's back (node evicted it, the container crashed, ...)
    const podName = sandboxIdFor('cond');
    e.cluster.kubelet!.failPod(NS, podName, { exitCode: 137, reason: 'OOMKilled' });
    const record = await handle.wait();
    expect(record).toMatchObject({
      state: 'failed',
      completedBy: 'conditions',
      failure: { code: 'POD_FAILED', phase: 'run' },
    });
  });

  it('a task that fails: non-zero exit, pod Failed', async () => {
    env = await startKubeEnv();
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
  });

  it('a runner that never becomes reachable fails in the reachable phase', async () => {
    env = await startKubeEnv();
    env.pods.behaviour = 'deaf';
    const orch = orchestrator(env, 'orch-deaf', { timeouts: { reachableMs: 300 } });
    const record = await orch.runTask({ taskID: 'deaf', message: '' });
    expect(record.failure).toMatchObject({ code: 'RUNNER_UNREACHABLE', phase: 'reachable' });
  });

  it('an aborted create deletes the claim', async () => {
    env = await startKubeEnv();
    const e = env;
    const unblock = e.cluster.kubelet!.blockStart(NS, () => true);
    const orch = orchestrator(e, 'orch-abort');
    const controller = new AbortController();
    const pending = orch.runTask({ taskID: 'stuck', message: '' }, { signal: controller.signal });
    await e.until(CLAIMS, () => e.claims().length === 1);
    controller.abort();
    expect(await pending).toMatchObject({ state: 'cancelled', failure: { phase: 'provision' } });
    unblock();
  });

  it('an owner mismatch between provider and orchestrator is refused before any task runs', async () => {
    env = await startKubeEnv();
    const orch = createOrchestrator({
      provider: env.provider('provider-owner'),
      owner: 'other-owner',
      sweepIntervalMs: 0,
      sweepOnStart: false,
    });
    open.push(orch);
    const record = await orch.runTask({ taskID: 'mismatch', message: '', command: 'true' });
    expect(record.failure).toMatchObject({ code: 'OWNER_MISMATCH', phase: 'provision' });
  });
});

describe('sweeper and restart on Kubernetes', () => {
  it('killed mid-task and restarted with the same owner: the new orchestrator adopts and cleans up', async () => {
    env = await startKubeEnv();
    const e = env;
    const dying = freezable(e.provider('orch-crash'));
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
