/**
 * Suspend and resume: patch the bound Sandbox's spec (`operatingMode` on v1beta1, `replicas` on
 * v1alpha1) and wait in the provider's cache until the pod is gone or Ready again.
 */
import {
  isReady,
  WaitTimeoutError,
  type AgentSandboxClient,
  type ApiVersionName,
  type KubeObject,
} from '@corral/agent-sandbox';
import { compact } from '../compact.js';
import { SandboxNotFoundError } from '../errors.js';
import type { Caches } from './claim-caches.js';
import { requestFor, type Ref } from './claim-ref.js';
import { boundSandbox } from './pod-target.js';

export interface SuspendOptions {
  /** Budget for the pod to go (suspend) or come back Ready (resume). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Whether `object` (at or past the patched generation) is in the state the patch asked for. */
function reachedRunning(object: KubeObject, running: boolean, version: ApiVersionName): boolean {
  const ips = (object.status as { podIPs?: string[] } | undefined)?.podIPs ?? [];
  if (running) return isReady(object) && ips.length > 0;
  const status = object.status as
    { replicas?: number; conditions?: { type: string; status: string }[] } | undefined;
  // Suspended=True is the signal on every version that has it. An alpha view of a
  // v1beta1-storage cluster keeps the status.replicas it had when the alpha client wrote
  // (upstream restores it from the v1alpha1-sandbox-state annotation), so replicas === 0
  // only counts on alpha-only releases, which have no Suspended condition.
  const suspended =
    status?.conditions?.some((c) => c.type === 'Suspended' && c.status === 'True') === true;
  if (version === 'v1beta1' || suspended) return suspended;
  return status?.replicas === 0 && ips.length === 0;
}

/** Patches the Sandbox of `ref` to run or not, and resolves with it once it does. */
export async function setSandboxRunning(
  client: AgentSandboxClient,
  caches: () => Caches,
  ref: Ref,
  running: boolean,
  options: SuspendOptions & { timeoutMs: number },
): Promise<KubeObject | undefined> {
  const { signal, timeoutMs } = options;
  const { sandboxName } = await boundSandbox(client, ref, signal);
  const version = await client.apiVersionFor('Sandbox');
  const spec =
    version === 'v1beta1'
      ? { operatingMode: running ? 'Running' : 'Suspended' }
      : { replicas: running ? 1 : 0 };
  const { sandboxes } = caches();
  const patched = await client.sandboxes.patch(sandboxName, { spec }, requestFor(ref, signal));
  const generation = patched.metadata?.generation ?? 0;
  return sandboxes.waitFor(
    sandboxName,
    (object, change) => {
      if (change === 'DELETED' || object === undefined) {
        throw new SandboxNotFoundError(`The Sandbox ${ref.namespace}/${sandboxName} was deleted.`);
      }
      if ((object.metadata?.generation ?? 0) < generation) return false;
      return reachedRunning(object, running, version);
    },
    compact({
      timeoutMs,
      signal,
      onTimeout: () =>
        new WaitTimeoutError({
          waitingFor: `Sandbox ${ref.namespace}/${sandboxName} to ${running ? 'become Ready again' : 'stop its pod'}`,
          timeoutMs,
          target: `Sandbox ${ref.namespace}/${sandboxName}`,
        }),
    }),
  );
}
