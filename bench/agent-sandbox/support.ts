/** Shared pieces of the agent-sandbox benchmarks: GC access and claim-readiness bookkeeping. */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { FakeCluster, StoreEvent } from '../../packages/testing/src/index.js';
import { nowMs } from '../lib.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Heap in MB after two full collections. */
export function settledHeapMb(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / (1024 * 1024);
}

export const CLAIMS_GVR = {
  group: 'extensions.agents.x-k8s.io',
  version: 'v1beta1',
  resource: 'sandboxclaims',
};

function isReadyTrue(event: StoreEvent): boolean {
  const conditions = (
    event.object.status as { conditions?: { type: string; status: string }[] } | undefined
  )?.conditions;
  return conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}

/**
 * Records, per claim name, the moment the store committed its first `Ready=True` write. The
 * store calls watchers synchronously after each commit, so this is the write time.
 */
export function recordReadyWrites(
  cluster: FakeCluster,
  namespace: string,
  onReady?: (name: string, at: number) => void,
): { readyAt: Map<string, number>; stop: () => void } {
  const readyAt = new Map<string, number>();
  const stop = cluster.store.watch(CLAIMS_GVR, { namespace }, (event) => {
    const name = event.object.metadata.name ?? '';
    if (event.type !== 'DELETED' && !readyAt.has(name) && isReadyTrue(event)) {
      const at = nowMs();
      readyAt.set(name, at);
      onReady?.(name, at);
    }
  });
  return { readyAt, stop };
}

export function sleepMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
