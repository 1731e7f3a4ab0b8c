/** The seam between the provider and a connection mode: one small connector per mode. */
import type { ClaimReady, KubeObject } from '@corral/agent-sandbox';
import type { RunnerEndpoint } from '../../provider.js';
import type { Ref } from '../claim-ref.js';
import type { EndpointTarget } from '../endpoint.js';
import { podIPsOf, podNameOf, serviceFqdnOf } from '../info.js';
import type { ResolvedConnection } from './resolve-connection.js';

export type RunnerTarget = EndpointTarget & { podName: string };

export interface RunnerConnector {
  readonly mode: ResolvedConnection['mode'];
  /** How the caller reaches the runner of `ref` now (its pod may have changed since). */
  endpointFor(
    ref: Ref,
    target: RunnerTarget,
    signal: AbortSignal | undefined,
  ): Promise<RunnerEndpoint>;
  /** The sandbox's pod is gone (suspend): drop what pointed at it. */
  podStopped(id: string): Promise<void>;
  /** The sandbox is gone: release what was held for it. */
  release(id: string): Promise<void>;
  close(): Promise<void>;
}

/** Where the runner of a claim that just became Ready listens. */
export function readyTarget(
  ref: Ref,
  ready: ClaimReady,
  connection: ResolvedConnection,
): RunnerTarget {
  return {
    sandboxName: ready.sandboxName,
    namespace: ref.namespace,
    podIPs: ready.podIPs.length > 0 ? ready.podIPs : podIPsOf(ready.claim, ready.sandbox),
    serviceFQDN: ready.serviceFQDN ?? serviceFqdnOf(ready.sandbox),
    port: connection.port,
    runnerToken: connection.runnerToken,
    podName: podNameOf(ready.sandboxName, ready.sandbox),
  };
}

/** Where the runner of a claim read from the API listens. */
export function boundTarget(
  ref: Ref,
  sandboxName: string,
  claim: KubeObject,
  sandbox: KubeObject | undefined,
  connection: ResolvedConnection,
): RunnerTarget {
  return {
    sandboxName,
    namespace: ref.namespace,
    podIPs: podIPsOf(claim, sandbox),
    serviceFQDN: serviceFqdnOf(sandbox),
    port: connection.port,
    runnerToken: connection.runnerToken,
    podName: podNameOf(sandboxName, sandbox),
  };
}

/** For connectors that hold nothing per sandbox. */
export const NOTHING_HELD = {
  podStopped: () => Promise.resolve(),
  release: () => Promise.resolve(),
  close: () => Promise.resolve(),
} as const;
