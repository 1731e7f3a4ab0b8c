/* eslint-disable @typescript-eslint/no-explicit-any -- tests read untyped status JSON */
/**
 * D2/D6: a deleted pod terminates gracefully. The DELETE only sets `deletionTimestamp` (watchers
 * see MODIFIED, then DELETED), the kubelet sends SIGTERM and, for containers that ignore it,
 * SIGKILL once the grace period has passed in cluster time; the pod keeps its Ready condition
 * and IPs until it is gone.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/clock.js';
import { startKubelet, type Kubelet, type PodRuntime } from '../../src/kubelet/index.js';
import { createObjectStore, type FakeObjectStore } from '../../src/store/index.js';
import type { KubeObject, StoreEvent } from '../../src/store/types.js';
import { NS, PODS } from '../controller/harness.js';

let kubelet: Kubelet | undefined;
let store: FakeObjectStore;

afterEach(async () => {
  await kubelet?.stop();
  kubelet = undefined;
});

function pod(name: string, graceSeconds?: number): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS },
    spec: {
      restartPolicy: 'Never',
      ...(graceSeconds !== undefined ? { terminationGracePeriodSeconds: graceSeconds } : {}),
      containers: [{ name: 'main', image: 'busybox' }],
    },
  };
}

async function idle(k: Kubelet): Promise<void> {
  for (let i = 0; i < 5; i++) await k.whenIdle();
}

function recordingRuntime(stops: { name: string; graceMs: number | undefined }[]): PodRuntime {
  return {
    start: () => Promise.resolve({}),
    stop: (p, options) => {
      stops.push({ name: p.metadata.name ?? '', graceMs: options?.graceMs });
      return Promise.resolve();
    },
  };
}

function watchPod(name: string): { events: StoreEvent[]; stop: () => void } {
  const events: StoreEvent[] = [];
  const stop = store.watch(
    PODS,
    { namespace: NS, resourceVersion: store.currentResourceVersion() },
    (ev) => {
      if (ev.object.metadata.name === name) events.push(ev);
    },
  );
  return { events, stop };
}

describe('graceful pod termination', () => {
  it('SIGTERM with the pod’s grace period; Terminating (MODIFIED) with Ready and IPs kept, then DELETED', async () => {
    const clock = createManualClock();
    store = createObjectStore({ clock });
    const stops: { name: string; graceMs: number | undefined }[] = [];
    const k = (kubelet = startKubelet(store, {
      clock,
      startDelayMs: 0,
      runtime: recordingRuntime(stops),
    }));
    store.create(PODS, pod('p', 12));
    await idle(k);
    const running = store.get(PODS, NS, 'p')!.status as any;
    expect(running.phase).toBe('Running');
    const watch = watchPod('p');
    const marked = store.delete(PODS, NS, 'p');
    expect(marked.metadata.deletionGracePeriodSeconds).toBe(12);
    await idle(k);
    watch.stop();
    expect(watch.events.map((e) => e.type)).toEqual(['MODIFIED', 'DELETED']);
    const terminating = watch.events[0]!.object;
    expect(terminating.metadata.deletionTimestamp).toBeDefined();
    expect((terminating.status as any).podIPs).toEqual(running.podIPs);
    expect((terminating.status as any).conditions).toContainEqual(
      expect.objectContaining({ type: 'Ready', status: 'True' }),
    );
    expect(stops).toEqual([{ name: 'p', graceMs: 12_000 }]);
    expect(store.get(PODS, NS, 'p')).toBeUndefined();
  });

  it('containers that ignore SIGTERM are killed when the grace period ends (the DELETE’s gracePeriodSeconds wins)', async () => {
    const clock = createManualClock();
    store = createObjectStore({ clock });
    const stops: { name: string; graceMs: number | undefined }[] = [];
    const k = (kubelet = startKubelet(store, {
      clock,
      startDelayMs: 0,
      runtime: recordingRuntime(stops),
    }));
    k.ignoreSigterm(NS, (p) => p.metadata.name !== 'polite');
    store.create(PODS, pod('default-grace'));
    store.create(PODS, pod('short', 30));
    await idle(k);
    store.delete(PODS, NS, 'default-grace');
    store.delete(PODS, NS, 'short', { gracePeriodSeconds: 3 });
    await idle(k);
    // still Terminating: nothing ended them
    expect(store.get(PODS, NS, 'default-grace')!.metadata.deletionGracePeriodSeconds).toBe(30);
    expect(store.get(PODS, NS, 'short')!.metadata.deletionGracePeriodSeconds).toBe(3);
    expect((store.get(PODS, NS, 'short')!.status as any).phase).toBe('Running');
    clock.advance(3_000);
    await idle(k);
    expect(store.get(PODS, NS, 'short')).toBeUndefined();
    expect(stops).toEqual([{ name: 'short', graceMs: 0 }]);
    expect(store.get(PODS, NS, 'default-grace')).toBeDefined();
    // a second DELETE with a shorter grace period kills sooner
    store.delete(PODS, NS, 'default-grace', { gracePeriodSeconds: 5 });
    clock.advance(5_000);
    await idle(k);
    expect(store.get(PODS, NS, 'default-grace')).toBeUndefined();
    expect(stops.map((s) => s.name)).toEqual(['short', 'default-grace']);
  });

  it('a pod no kubelet runs, or a force delete (grace 0), goes at once', async () => {
    const clock = createManualClock();
    store = createObjectStore({ clock });
    store.create(PODS, pod('unscheduled'));
    store.delete(PODS, NS, 'unscheduled');
    expect(store.get(PODS, NS, 'unscheduled')).toBeUndefined();
    const stops: { name: string; graceMs: number | undefined }[] = [];
    const k = (kubelet = startKubelet(store, {
      clock,
      startDelayMs: 0,
      runtime: recordingRuntime(stops),
    }));
    store.create(PODS, pod('forced'));
    await idle(k);
    expect((store.get(PODS, NS, 'forced')!.status as any).phase).toBe('Running');
    store.delete(PODS, NS, 'forced', { gracePeriodSeconds: 0 });
    expect(store.get(PODS, NS, 'forced')).toBeUndefined();
    await idle(k);
    expect(stops.map((s) => s.name)).toEqual(['forced']);
  });

  it('garbage collection reaches a dependent pod after the owner’s DELETE returned, and it terminates gracefully', async () => {
    const clock = createManualClock();
    store = createObjectStore({ clock });
    const k = (kubelet = startKubelet(store, { clock, startDelayMs: 0 }));
    k.ignoreSigterm(NS, 'dep');
    const CM = { group: '', version: 'v1', resource: 'configmaps' };
    const owner = store.create(CM, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'owner', namespace: NS },
    });
    const dep = pod('dep', 2);
    dep.metadata.ownerReferences = [
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        name: 'owner',
        uid: owner.metadata.uid!,
        blockOwnerDeletion: true,
      },
    ];
    store.create(PODS, dep);
    await idle(k);
    const marked = store.delete(CM, NS, 'owner', { propagationPolicy: 'Foreground' });
    expect(marked.metadata.finalizers).toEqual(['foregroundDeletion']);
    expect(store.get(PODS, NS, 'dep')!.metadata.deletionTimestamp).toBeUndefined();
    await store.gcSettled();
    expect(store.get(PODS, NS, 'dep')!.metadata.deletionTimestamp).toBeDefined();
    expect(store.get(CM, NS, 'owner')).toBeDefined();
    clock.advance(2_000);
    await idle(k);
    await store.gcSettled();
    expect(store.get(PODS, NS, 'dep')).toBeUndefined();
    expect(store.get(CM, NS, 'owner')).toBeUndefined();
  });
});
