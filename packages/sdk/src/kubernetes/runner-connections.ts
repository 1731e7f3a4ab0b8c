/**
 * How the caller reaches a sandbox's runner in the provider's connection mode: a pod IP or
 * Service name (direct), the sandbox-router, a Gateway in front of it, or a port-forward per
 * sandbox. Owns the port-forwards and the resolved Gateway address.
 */
import type { AgentSandboxClient, ClaimReady, KubeObject } from '@corral/agent-sandbox';
import type { RunnerEndpoint } from '../provider.js';
import type { Ref } from './claim-ref.js';
import { directEndpoint, routerEndpoint, type EndpointTarget } from './endpoint.js';
import { resolveGatewayAddress } from './gateway.js';
import { podIPsOf, podNameOf, serviceFqdnOf } from './info.js';
import type { ResolvedOptions } from './options.js';
import { startPortForward, type PortForwardServer } from './port-forward.js';

export type RunnerTarget = EndpointTarget & { podName: string };

/** Where the runner of a claim that just became Ready listens. */
export function readyTarget(
  ref: Ref,
  ready: ClaimReady,
  connection: ResolvedOptions['connection'],
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
  connection: ResolvedOptions['connection'],
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

export class RunnerConnections {
  readonly #forwards = new Map<string, Promise<PortForwardServer>>();
  #gatewayAddress: Promise<string> | undefined;

  constructor(
    private readonly kubeConfig: AgentSandboxClient['kubeConfig'],
    private readonly options: ResolvedOptions,
    private readonly defaultNamespace: string,
  ) {}

  async endpointFor(
    ref: Ref,
    target: RunnerTarget,
    signal: AbortSignal | undefined,
  ): Promise<RunnerEndpoint> {
    const conn = this.options.connection;
    switch (conn.mode) {
      case 'direct':
        return directEndpoint(target, conn.preferServiceFqdn === true, conn.clusterDomain);
      case 'router':
        return routerEndpoint(conn.routerUrl!, target, conn.routerToken);
      case 'gateway': {
        this.#gatewayAddress ??= resolveGatewayAddress(
          this.kubeConfig,
          conn.gatewayName!,
          conn.gatewayNamespace ?? this.defaultNamespace,
          { timeoutMs: this.options.readyTimeoutMs, signal },
        );
        const pending = this.#gatewayAddress;
        pending.catch(() => {
          if (this.#gatewayAddress === pending) this.#gatewayAddress = undefined;
        });
        const address = await pending;
        return routerEndpoint(`${conn.gatewayScheme}://${address}`, target, conn.routerToken);
      }
      case 'port-forward': {
        let pending = this.#forwards.get(ref.id);
        if (pending === undefined) {
          pending = startPortForward({
            kubeConfig: this.kubeConfig,
            namespace: ref.namespace,
            pod: target.podName,
            port: conn.port,
          });
          this.#forwards.set(ref.id, pending);
          pending.catch(() => this.#forwards.delete(ref.id));
        }
        const server = await pending;
        if (server.pod !== target.podName) server.retarget(target.podName);
        return {
          baseUrl: server.url,
          ...(target.runnerToken !== undefined ? { token: target.runnerToken } : {}),
        };
      }
    }
  }

  /** After a suspend: the forward keeps its port and dials the pod again once it is back. */
  async podStopped(id: string): Promise<void> {
    const forward = await this.#forwards.get(id)?.catch(() => undefined);
    forward?.retarget(forward.pod);
  }

  async close(id: string): Promise<void> {
    const pending = this.#forwards.get(id);
    if (pending === undefined) return;
    this.#forwards.delete(id);
    const server = await pending.catch(() => undefined);
    await server?.close();
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.#forwards.keys()].map((id) => this.close(id)));
  }
}
