/* eslint-disable @typescript-eslint/no-explicit-any -- watch objects are untyped JSON */
/**
 * Helpers for the runner-pod tests: a fake cluster whose kubelet really runs runner pods, a
 * client-node watch that waits for a condition, and process checks for leak tests.
 */
import { readdir, readFile } from 'node:fs/promises';
import { Watch, type KubeConfig } from '@kubernetes/client-node';
import { startFakeCluster, type FakeCluster, type FakeClusterOptions } from '../../src/cluster.js';
import type { ProcessRuntimeOptions } from '../../src/kubelet/process-runtime.js';

export const RUNNER_IMAGE = 'ghcr.io/corral-dev/runner:0.1.0';
export const GROUP = 'extensions.agents.x-k8s.io';

/** `CORRAL_TESTING_POD_ISOLATION=none|unshare|bubblewrap` forces a mechanism (default: auto). */
export function processRuntimeOptions(): ProcessRuntimeOptions {
  const isolation = process.env.CORRAL_TESTING_POD_ISOLATION as ProcessRuntimeOptions['isolation'];
  return isolation ? { isolation } : {};
}

export function startRunnerCluster(options: FakeClusterOptions = {}): Promise<FakeCluster> {
  return startFakeCluster({
    ...options,
    kubelet: { startDelayMs: 0, runtime: 'process', process: processRuntimeOptions() },
  });
}

/** Resolves with the first object at `path` (a collection) named `name` that satisfies `done`. */
export function waitFor<T = any>(
  kubeConfig: KubeConfig,
  path: string,
  name: string,
  done: (obj: any, type: string) => boolean,
  options: { resourceVersion?: string; timeoutMs?: number } = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  return new Promise<T>((resolve, reject) => {
    let abort: (() => void) | undefined;
    const timer = setTimeout(() => {
      abort?.();
      reject(new Error(`timed out waiting for ${path}/${name}`));
    }, timeoutMs);
    void new Watch(kubeConfig)
      .watch(
        path,
        {
          fieldSelector: `metadata.name=${name}`,
          ...(options.resourceVersion !== undefined
            ? { resourceVersion: options.resourceVersion }
            : {}),
        },
        (type, obj: any) => {
          if (done(obj, type)) {
            clearTimeout(timer);
            abort?.();
            resolve(obj as T);
          }
        },
        (err) => {
          if (err !== null && err !== undefined && (err as Error).name !== 'AbortError') {
            clearTimeout(timer);
            reject(err as Error);
          }
        },
      )
      .then((req) => (abort = () => req.abort()), reject);
  });
}

export const podsPath = (ns = 'default') => `/api/v1/namespaces/${ns}/pods`;
export const claimsPath = (ns = 'default') =>
  `/apis/${GROUP}/v1beta1/namespaces/${ns}/sandboxclaims`;

export function condition(obj: any, type: string): any {
  return obj?.status?.conditions?.find((c: any) => c.type === type);
}

/** True when no live (non-zombie) process has pid `pid`. */
export async function processGone(pid: number | undefined): Promise<boolean> {
  if (pid === undefined) return true;
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    return /^State:\s+Z/m.test(status);
  } catch {
    return true;
  }
}

/** Live processes of host uid `uid` (the process runtime gives each root-run sandbox its own). */
export async function processesOfUid(uid: number | undefined): Promise<number[]> {
  if (uid === undefined) return [];
  const out: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = await readFile(`/proc/${entry}/status`, 'utf8');
      if (Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]) === uid && !/^State:\s+Z/m.test(status))
        out.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}
