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

function pod(name: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS },
    spec: { containers: [{ name: 'main', image: 'busybox' }] },
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
