import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOrchestrator, sandboxIdFor, type Orchestrator } from '@corral/orchestrator';
import { CorralError } from '@corral/sdk';
import {
  freezable,
  localFixture,
  untilPhase,
  untilAborted,
  wrapProvider,
  type LocalFixture,
} from './helpers.js';

let fx: LocalFixture;
const open: Orchestrator[] = [];

function orchestrator(options: Partial<Parameters<typeof createOrchestrator>[0]> = {}) {
  const orch = createOrchestrator({
    provider: fx.provider,
    owner: 'orch-test',
    sweepIntervalMs: 0,
    sweepOnStart: false,
    ...options,
  });
  open.push(orch);
  return orch;
}

beforeEach(async () => {
  fx = await localFixture();
});

afterEach(async () => {
  for (const orch of open.splice(0)) await orch.close();
  const left = await fx.remaining();
  await fx.dispose();
  // every test ends with nothing Corral made left behind
  expect(left).toEqual([]);
});

describe('runTask on the local provider', () => {
  it('runs a task to success with phases, exit code and logs captured before cleanup', async () => {
    const orch = orchestrator();
    const record = await orch.runTask({
      taskID: 'ok-1',
      message: 'hello',
      command: ['sh', '-c', 'echo "out:$CORRAL_TASK_MESSAGE"; echo err >&2'],
    });
    expect(record.state).toBe('succeeded');
    expect(record.exitCode).toBe(0);
    expect(record.failure).toBeUndefined();
    expect(record.sandboxId).toBe(sandboxIdFor('ok-1'));
    expect(record.completedBy).toBe('runner');
    expect(record.logs).toContain('out:hello');
    expect(record.logs).toContain('err');
    expect(record.outputTail).toContain('out:hello');
    for (const key of ['provisionMs', 'reachableMs', 'acceptedMs', 'runMs', 'cleanupMs'] as const) {
      expect(record.phases[key]).toBeGreaterThanOrEqual(0);
    }
    expect(record.phases.provisionMs).toBeGreaterThan(0);
    expect(record.finishedAt.getTime()).toBeGreaterThanOrEqual(record.startedAt.getTime());
    expect(orch.get('ok-1')).toMatchObject({ status: 'finished', record });
    expect(await fx.remaining()).toEqual([]);
  });

  it('reports a non-zero exit as failed with the exit code', async () => {
    const orch = orchestrator();
    const record = await orch.runTask({
      taskID: 'exit-3',
      message: '',
      command: 'echo about to fail; exit 3',
    });
    expect(record).toMatchObject({
      state: 'failed',
      exitCode: 3,
      failure: { code: 'TASK_EXIT_NONZERO', phase: 'run' },
    });
    expect(record.logs).toContain('about to fail');
  });

  it('ends a task past its timeoutMs as timed-out', async () => {
    const orch = orchestrator();
    const record = await orch.runTask({
      taskID: 'slow',
      message: '',
      command: ['sleep', '30'],
      timeoutMs: 200,
    });
    expect(record.state).toBe('timed-out');
    expect(record.failure?.code).toBe('TASK_TIMEOUT');
  });

  it('fails in the reachable phase when the runner never answers, and deletes the sandbox', async () => {
    const provider = wrapProvider(fx.provider, {
      create: async (options) => {
        const made = await fx.provider.create(options);
        return {
          ...made,
          endpoint: { ...made.endpoint, socketPath: `${fx.stateDir}/nowhere.sock` },
        };
      },
    });
    const orch = orchestrator({ provider, timeouts: { reachableMs: 300 } });
    const record = await orch.runTask({ taskID: 'deaf', message: '', command: 'true' });
    expect(record.state).toBe('failed');
    expect(record.failure).toMatchObject({ code: 'RUNNER_UNREACHABLE', phase: 'reachable' });
    expect(record.phases.reachableMs).toBeGreaterThanOrEqual(250);
  });

  it('fails in the provision phase when create fails, leaving nothing', async () => {
    const provider = wrapProvider(fx.provider, {
      create: () =>
        Promise.reject(
          new CorralError('no capacity', { code: 'RESOURCE_EXHAUSTED', retryable: true }),
        ),
    });
    const orch = orchestrator({ provider });
    const record = await orch.runTask({ taskID: 'no-room', message: '' });
    expect(record).toMatchObject({
      state: 'failed',
      sandboxId: '',
      failure: { code: 'RESOURCE_EXHAUSTED', phase: 'provision', message: 'no capacity' },
    });
    // a provider outside the contract (a plain Error with its own code) is reported as INTERNAL
    const foreign = wrapProvider(fx.provider, {
      create: () =>
        Promise.reject(Object.assign(new Error('no capacity'), { code: 'NO_CAPACITY' })),
    });
    const other = await orchestrator({ provider: foreign }).runTask({ taskID: 'x', message: '' });
    expect(other.failure).toMatchObject({ code: 'INTERNAL', message: 'no capacity' });
  });

  it('cleans up after an aborted create even when the provider does not roll back', async () => {
    let made = '';
    const provider = wrapProvider(fx.provider, {
      // a misbehaving provider: makes the sandbox, then hangs until aborted, without rollback
      create: async (options) => {
        const { signal, ...rest } = options;
        made = (await fx.provider.create(rest)).info.id;
        return untilAborted(signal);
      },
    });
    const orch = orchestrator({ provider });
    const controller = new AbortController();
    const pending = orch.runTask(
      { taskID: 'abort-create', message: '' },
      { signal: controller.signal },
    );
    while (made === '') await new Promise((r) => setImmediate(r));
    expect(await fx.remaining()).toEqual([made]);
    controller.abort();
    const record = await pending;
    expect(record).toMatchObject({
      state: 'cancelled',
      failure: { code: 'CANCELLED', phase: 'provision' },
    });
  });

  it('cancels a running task and deletes its sandbox', async () => {
    const orch = orchestrator();
    const handle = orch.submit({ taskID: 'long', message: '', command: ['sleep', '30'] });
    await untilPhase(orch, 'long', 'run');
    handle.cancel();
    const record = await handle.wait();
    expect(record).toMatchObject({ state: 'cancelled', failure: { phase: 'run' } });
    expect(record.sandboxId).toBe(sandboxIdFor('long'));
  });
});

describe('queue and idempotency', () => {
  it('honours the concurrency limit: the N+1th task waits for a free slot', async () => {
    const orch = orchestrator({ concurrency: 2 });
    const task = (id: string) => orch.submit({ taskID: id, message: '', command: 'true' });
    const a = orch.submit({ taskID: 'a', message: '', command: ['sleep', '0.6'] });
    const b = orch.submit({ taskID: 'b', message: '', command: ['sleep', '0.6'] });
    const c = task('c');
    expect(orch.get('c')?.status).toBe('queued');
    expect(orch.stats).toEqual({ running: 2, queued: 1 });
    const [ra, rb, rc] = await Promise.all([a.wait(), b.wait(), c.wait()]);
    expect([ra.state, rb.state, rc.state]).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(rc.phases.queuedMs).toBeGreaterThan(0);
    // c started only after a or b ended
    expect(rc.startedAt.getTime() + rc.phases.queuedMs).toBeGreaterThanOrEqual(
      Math.min(ra.finishedAt.getTime(), rb.finishedAt.getTime()) - 50,
    );
  });

  it('cancels a queued task without ever making a sandbox', async () => {
    const orch = orchestrator({ concurrency: 1 });
    const first = orch.submit({ taskID: 'first', message: '', command: ['sleep', '0.3'] });
    const second = orch.submit({ taskID: 'second', message: '', command: 'true' });
    second.cancel();
    expect(await second.wait()).toMatchObject({
      state: 'cancelled',
      sandboxId: '',
      failure: { phase: 'queued' },
    });
    expect((await first.wait()).state).toBe('succeeded');
  });

  it('the same task id twice makes one sandbox and one record', async () => {
    let creates = 0;
    const provider = wrapProvider(fx.provider, {
      create: (o) => {
        creates++;
        return fx.provider.create(o);
      },
    });
    const orch = orchestrator({ provider });
    const task = { taskID: 'twice', message: '', command: 'echo once' };
    const [r1, r2] = await Promise.all([orch.runTask(task), orch.runTask(task)]);
    const r3 = await orch.runTask(task);
    expect(r1).toBe(r2);
    expect(r3).toBe(r1);
    expect(creates).toBe(1);
  });

  it('a second orchestrator with the same task id adopts the existing sandbox instead of making one', async () => {
    const one = orchestrator({ owner: 'orch-a' });
    const two = orchestrator({ owner: 'orch-a' });
    const task = { taskID: 'shared', message: '', command: ['sh', '-c', 'sleep 0.5; echo done'] };
    const first = one.runTask(task);
    await untilPhase(one, 'shared', 'run');
    const second = await two.runTask(task);
    expect(second).toMatchObject({ state: 'succeeded', adopted: true });
    expect(second.logs).toContain('done');
    const r1 = await first;
    // the first one's sandbox was deleted under it once the second finished, or it finished first
    expect(['succeeded', 'failed']).toContain(r1.state);
  });

  it('rejects invalid tasks with a message that says how to fix them', () => {
    const orch = orchestrator();
    expect(() => orch.runTask({ taskID: 'has space', message: '' })).toThrow(/label value/);
    expect(() => orch.runTask({ taskID: 'x', message: 1 as unknown as string })).toThrow(/message/);
    expect(() =>
      orch.runTask({ taskID: 'x', message: '', labels: { 'corral.dev/owner': 'me' } }),
    ).toThrow(/reserved/);
    expect(() => createOrchestrator({ provider: fx.provider, concurrency: 0 })).toThrow(
      /concurrency/,
    );
  });
});

describe('sweeper and restart', () => {
  it('an orchestrator killed mid-task is replaced by one with the same owner that adopts and cleans up', async () => {
    const dying = freezable(fx.provider);
    const first = orchestrator({ provider: dying, owner: 'orch-restart' });
    const gone = first.runTask({
      taskID: 'survivor',
      message: '',
      command: ['sh', '-c', 'sleep 0.4; echo finished-after-restart'],
    });
    void gone;
    await untilPhase(first, 'survivor', 'run');
    dying.freeze(); // the process "dies": nothing it does from now on reaches the provider
    open.splice(open.indexOf(first), 1);
    expect(await fx.remaining()).toEqual([sandboxIdFor('survivor')]);

    const second = orchestrator({ owner: 'orch-restart' });
    const report = await second.sweep();
    expect(report.adopted).toEqual([sandboxIdFor('survivor')]);
    const record = await second.handle('survivor')!.wait();
    expect(record).toMatchObject({ state: 'succeeded', exitCode: 0, adopted: true });
    expect(record.logs).toContain('finished-after-restart');
  });

  it('the sweeper deletes sandboxes of its owner whose task ended or that have no task id', async () => {
    const orch = orchestrator({ owner: 'orch-sweep' });
    const done = await fx.provider.create({
      id: sandboxIdFor('ended'),
      owner: 'orch-sweep',
      taskId: 'ended',
    });
    const anon = await fx.provider.create({ owner: 'orch-sweep' });
    const foreign = await fx.provider.create({
      owner: 'someone-else',
      taskId: 'theirs',
    });
    // 'ended' is adopted: its runner is idle and the task's message is unknown, so it is deleted
    const report = await orch.sweep();
    expect(report.deleted).toEqual([anon.info.id]);
    expect(report.adopted).toEqual([done.info.id]);
    expect(await orch.handle('ended')!.wait()).toMatchObject({
      state: 'failed',
      failure: { code: 'ADOPTED_IDLE' },
    });
    // another owner's sandbox stays until that owner is reported gone
    expect(await fx.remaining()).toEqual([foreign.info.id]);
    const reaper = orchestrator({ owner: 'orch-sweep', isOwnerAlive: (o) => o !== 'someone-else' });
    expect((await reaper.sweep()).deleted).toEqual([foreign.info.id]);
  });

  it('runs the background sweep on the injected clock, without sleeping', async () => {
    const { ManualClock } = await import('@corral/agent-sandbox');
    const clock = new ManualClock();
    let swept!: () => void;
    const sweptOnce = new Promise<void>((resolve) => (swept = resolve));
    orchestrator({
      owner: 'orch-clock',
      clock,
      sweepIntervalMs: 1_000,
      logger: (_level, message) => message === 'sweep' && swept(),
    });
    const stray = await fx.provider.create({ owner: 'orch-clock' });
    expect(await fx.remaining()).toEqual([stray.info.id]);
    await clock.waitForSleeps(1);
    await clock.advance(1_000);
    await sweptOnce;
    expect(await fx.remaining()).toEqual([]);
  });
});
