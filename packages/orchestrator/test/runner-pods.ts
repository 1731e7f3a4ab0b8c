/**
 * A pod runtime for the fake cluster's kubelet that runs Corral's real runner for every pod: a
 * node process listening on its own loopback address (127.x.y.z:8888, the "pod IP"), so the
 * Kubernetes provider's `direct` connection reaches it. When the runner exits (one-shot mode,
 * after its task) the pod becomes Succeeded or Failed with the runner's exit code, and the
 * runner's stdout becomes the pod's log, as on a real cluster.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { runnerBundlePath } from '@corral/runner';
import {
  POD_LOG_ANNOTATION,
  type FakeCluster,
  type KubeObject,
  type PodRuntime,
} from '@corral/testing';

const PODS = { group: '', version: 'v1', resource: 'pods' };

export interface RunnerPods extends PodRuntime {
  /** `oneshot` (the runner exits after its task, as in production) or `serve`. */
  mode: 'oneshot' | 'serve';
  /** `deaf`: pods become Ready but nothing listens (a runner that never becomes reachable). */
  behaviour: 'runner' | 'deaf';
  /** Must be set once the cluster exists (the runtime reports exits through its kubelet). */
  attach(cluster: FakeCluster): void;
  /** Runner processes still alive. */
  readonly running: number;
  /** Kills every runner still running (the cluster is going away). */
  stopAll(): Promise<void>;
}

export function runnerPods(): RunnerPods {
  let cluster: FakeCluster | undefined;
  const prefix = `127.${1 + Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
  let next = 2;
  const children = new Map<string, { child: ChildProcess; root: string }>();
  const key = (pod: KubeObject) =>
    `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}/${pod.metadata.uid ?? ''}`;

  const runtime: RunnerPods = {
    mode: 'oneshot',
    behaviour: 'runner',
    attach(c) {
      cluster = c;
    },
    get running() {
      return children.size;
    },
    async start(pod, signal) {
      const ip = `${prefix}.${next++}`;
      if (runtime.behaviour === 'deaf') return { podIP: ip };
      const root = await mkdtemp(join(tmpdir(), 'corral-pod-'));
      const child = spawn(
        process.execPath,
        [
          runnerBundlePath(),
          '--mode',
          runtime.mode,
          '--host',
          ip,
          '--port',
          '8888',
          '--root',
          root,
        ],
        {
          env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
          stdio: ['ignore', 'pipe', 'pipe'],
          // its own process group, so stopping the "pod" ends the task's processes too
          detached: true,
        },
      );
      children.set(key(pod), { child, root });
      let log = '';
      child.stderr?.resume();
      const lines = createInterface({ input: child.stdout });
      const listening = new Promise<void>((resolve, reject) => {
        lines.on('line', (line) => {
          log += `${line}\n`;
          if (line.includes('"msg":"listening"')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`runner exited (${code}) before listening`)));
        signal.addEventListener('abort', () => reject(new Error('pod start aborted')), {
          once: true,
        });
      });
      child.once('exit', (code, sig) => {
        children.delete(key(pod));
        void rm(root, { recursive: true, force: true });
        const ns = pod.metadata.namespace ?? 'default';
        const name = pod.metadata.name ?? '';
        const current = cluster?.store.get(PODS, ns, name);
        if (cluster === undefined || current === undefined) return;
        if (current.metadata.uid !== pod.metadata.uid) return;
        if (current.metadata.deletionTimestamp !== undefined) return;
        try {
          cluster.store.patch(
            PODS,
            ns,
            name,
            { metadata: { annotations: { [POD_LOG_ANNOTATION]: log } } },
            'merge',
          );
          const exitCode = code ?? 128;
          if (exitCode === 0 && sig === null) cluster.kubelet?.succeedPod(ns, name, 0);
          else cluster.kubelet?.failPod(ns, name, { exitCode });
        } catch {
          // the pod went away meanwhile
        }
      });
      await listening;
      return { podIP: ip };
    },
    async stop(pod) {
      const entry = children.get(key(pod));
      if (entry !== undefined) await kill(entry.child);
    },
    async stopAll() {
      await Promise.all([...children.values()].map((entry) => kill(entry.child)));
    },
  };
  return runtime;
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
  await exited;
}
