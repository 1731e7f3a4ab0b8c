/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- tests read untyped status JSON */
import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/clock.js';
import { startKubelet, type Kubelet, type PodRuntime } from '../../src/kubelet/index.js';
import { createObjectStore, type FakeObjectStore } from '../../src/store/index.js';
import type { KubeObject } from '../../src/store/types.js';
import { NS, PODS } from '../controller/harness.js';

let kubelet: Kubelet;
const clock = createManualClock();
let store: FakeObjectStore;

afterEach(async () => {
  await kubelet.stop();
});

function pod(name: string, restartPolicy: string | null = 'Never'): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS },
    spec: {
      ...(restartPolicy !== null ? { restartPolicy } : {}),
      containers: [{ name: 'main', image: 'busybox' }],
    },
  };
}

async function idle(): Promise<void> {
  for (let i = 0; i < 5; i++) await kubelet.whenIdle();
}

const status = (name: string): any => store.get(PODS, NS, name)!.status;

describe('simulated kubelet', () => {
  it('runs pods after startDelayMs with unique IPs and a Ready container', async () => {
    store = createObjectStore({ clock });
    kubelet = startKubelet(store, { clock, startDelayMs: 100 });
    store.create(PODS, pod('a'));
    store.create(PODS, pod('b'));
    await idle();
    expect(status('a').phase).toBe('Pending');
    expect(status('a').conditions).toEqual([
      expect.objectContaining({ type: 'PodScheduled', status: 'True' }),
    ]);
    clock.advance(100);
    await idle();
    const a = status('a');
    expect(a.phase).toBe('Running');
    expect(a.conditions.filter((c: any) => c.status === 'True').map((c: any) => c.type)).toEqual(
      expect.arrayContaining(['PodScheduled', 'Initialized', 'ContainersReady', 'Ready']),
    );
    expect(a.containerStatuses[0]).toMatchObject({
      name: 'main',
      ready: true,
      state: { running: {} },
    });
    expect(a.podIPs).toEqual([{ ip: a.podIP }]);
    expect(status('b').podIP).not.toBe(a.podIP);
    expect((store.get(PODS, NS, 'a')!.spec as any).nodeName).toBe('corral-node-0');
  });

  it('reports the pod IP in a Pending, not-Ready status write before Running (D4)', async () => {
    store = createObjectStore({ clock });
    kubelet = startKubelet(store, { clock, startDelayMs: 0 });
    const seen: { phase: string; ip?: string; ready?: string }[] = [];
    const stop = store.watch(PODS, { namespace: NS }, (e) => {
      const st = e.object.status as any;
      seen.push({
        phase: st?.phase,
        ip: st?.podIP,
        ready: st?.conditions?.find((c: any) => c.type === 'Ready')?.status,
      });
    });
    store.create(PODS, pod('net'));
    await idle();
    stop();
    const withIp = seen.filter((s) => s.ip !== undefined);
    expect(withIp[0]).toMatchObject({ phase: 'Pending', ready: 'False' });
    expect(withIp.at(-1)).toMatchObject({ phase: 'Running', ready: 'True', ip: withIp[0]!.ip });
  });

  it('defaults restartPolicy to Always and restarts exited containers with back-off (D1)', async () => {
    store = createObjectStore({ clock });
    kubelet = startKubelet(store, { clock, startDelayMs: 0 });
    store.create(PODS, pod('always', null));
    store.create(PODS, pod('onfailure', 'OnFailure'));
    store.create(PODS, pod('onfailure-ok', 'OnFailure'));
    await idle();
    expect((store.get(PODS, NS, 'always')!.spec as any).restartPolicy).toBe('Always');
    const ip = status('always').podIP;
    // first exit: restarted at once, restartCount 1, lastState holds the exit
    kubelet.succeedPod(NS, 'always');
    await idle();
    let a = status('always');
    expect(a.phase).toBe('Running');
    expect(a.podIP).toBe(ip);
    expect(a.containerStatuses[0]).toMatchObject({
      restartCount: 1,
      ready: true,
      state: { running: {} },
      lastState: { terminated: { exitCode: 0, reason: 'Completed' } },
    });
    // second exit: CrashLoopBackOff for 10 s, not Ready, then running again
    kubelet.failPod(NS, 'always', { exitCode: 2 });
    await idle();
    a = status('always');
    expect(a.phase).toBe('Running');
    expect(a.conditions.find((c: any) => c.type === 'Ready').status).toBe('False');
    expect(a.containerStatuses[0]).toMatchObject({
      restartCount: 1,
      ready: false,
      state: { waiting: { reason: 'CrashLoopBackOff' } },
      lastState: { terminated: { exitCode: 2, reason: 'Error' } },
    });
    clock.advance(9_999);
    await idle();
    expect(status('always').containerStatuses[0].state.waiting).toBeDefined();
    clock.advance(1);
    await idle();
    expect(status('always').containerStatuses[0]).toMatchObject({
      restartCount: 2,
      ready: true,
      state: { running: {} },
    });
    // OnFailure: a failure restarts, a success finishes the pod
    kubelet.failPod(NS, 'onfailure');
    kubelet.succeedPod(NS, 'onfailure-ok');
    await idle();
    expect(status('onfailure')).toMatchObject({ phase: 'Running' });
    expect(status('onfailure').containerStatuses[0].restartCount).toBe(1);
    expect(status('onfailure-ok').phase).toBe('Succeeded');
  });

  it('terminates pods as a kubelet writes it, and flips readiness', async () => {
    store = createObjectStore({ clock });
    kubelet = startKubelet(store, { clock, startDelayMs: 0 });
    store.create(PODS, pod('ok'));
    store.create(PODS, pod('bad'));
    store.create(PODS, pod('flaky'));
    await idle();
    kubelet.succeedPod(NS, 'ok');
    kubelet.failPod(NS, 'bad', { exitCode: 137, reason: 'OOMKilled' });
    kubelet.setPodReady(NS, 'flaky', false);
    expect(status('ok').phase).toBe('Succeeded');
    expect(status('ok').containerStatuses[0].state.terminated).toMatchObject({
      exitCode: 0,
      reason: 'Completed',
    });
    expect(status('bad').phase).toBe('Failed');
    expect(status('bad').containerStatuses[0].state.terminated).toMatchObject({
      exitCode: 137,
      reason: 'OOMKilled',
    });
    const ready = status('flaky').conditions.find((c: any) => c.type === 'Ready');
    expect(ready).toMatchObject({ status: 'False', reason: 'ContainersNotReady' });
    expect(status('flaky').containerStatuses[0].ready).toBe(false);
  });

  it('keeps blocked pods unschedulable until unblocked', async () => {
    store = createObjectStore({ clock });
    kubelet = startKubelet(store, { clock, startDelayMs: 0 });
    const unblock = kubelet.blockStart(NS, (p) => p.metadata.name!.startsWith('big'));
    store.create(PODS, pod('big-1'));
    await idle();
    expect(status('big-1').conditions).toEqual([
      expect.objectContaining({ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }),
    ]);
    unblock();
    await idle();
    expect(status('big-1').phase).toBe('Running');
  });

  it('starts and stops pods through the runtime seam', async () => {
    store = createObjectStore({ clock });
    const events: string[] = [];
    const runtime: PodRuntime = {
      start: (p) => {
        events.push(`start ${p.metadata.name}`);
        return Promise.resolve({ podIP: '127.0.0.42' });
      },
      stop: (p) => {
        events.push(`stop ${p.metadata.name}`);
        return Promise.resolve();
      },
    };
    kubelet = startKubelet(store, { clock, startDelayMs: 0, runtime });
    store.create(PODS, pod('r'));
    await idle();
    expect(status('r').podIP).toBe('127.0.0.42');
    store.delete(PODS, NS, 'r');
    await idle();
    expect(events).toEqual(['start r', 'stop r']);
  });
});
