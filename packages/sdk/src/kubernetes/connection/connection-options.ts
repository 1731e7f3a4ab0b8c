// The caller's connection options live apart from options.ts so that resolve-connection.ts can
// use them without an import cycle (options.ts calls resolveConnection).
import type { NetworkSource } from '@corral/agent-sandbox';

/**
 * How Corral reaches the runner inside a sandbox pod.
 * - `direct`: `http://<pod IP>:<port>` (Corral runs in the cluster).
 * - `router`: upstream's sandbox-router at `routerUrl`, with `X-Sandbox-*` headers.
 * - `gateway`: the router behind a Gateway; its address is read from the Gateway's status.
 * - `port-forward`: a local port per sandbox, tunnelled through the API server (a laptop).
 * - `auto` (default): `direct` in a pod (`KUBERNETES_SERVICE_HOST` set), else `router` when
 *   `routerUrl` is set, else `port-forward` (`chooseAutoMode` in `connection/resolve-connection.ts`);
 *   when the sandbox pod's NetworkPolicies would refuse that path (readable with
 *   `networkpolicies list`), the next one: router, then port-forward (`connection-path.ts`).
 * Each mode is one connector under `connection/` (`auto` composes the ones it may take).
 */
export type ConnectionMode = 'auto' | 'direct' | 'router' | 'gateway' | 'port-forward';

export interface ConnectionOptions {
  /** @default 'auto' */
  mode?: ConnectionMode;
  /** Router base URL, e.g. `http://sandbox-router-svc.agent-sandbox-system.svc:8080`. */
  routerUrl?: string;
  /** Bearer token the router requires (sent as `Authorization`). */
  routerToken?: string;
  /** Gateway (gateway.networking.k8s.io/v1) in front of the router, for `gateway` mode. */
  gatewayName?: string;
  /** @default the provider's namespace */
  gatewayNamespace?: string;
  /** `http` or `https` for the Gateway address. @default 'http' */
  gatewayScheme?: 'http' | 'https';
  /** The Gateway listener's port, when it is not the scheme's default (80/443). */
  gatewayPort?: number;
  /**
   * Where Corral runs, as NetworkPolicy sees it (pod labels and namespace, or an IP outside the
   * cluster). `auto` mode and `direct` mode check the sandbox pod's policies against it. Default:
   * in a pod, that pod (read through `HOSTNAME`/`POD_NAME`); elsewhere, not checked.
   */
  networkSource?: NetworkSource;
  /** The runner's port in the pod. @default 8888 */
  port?: number;
  /** Bearer token the runner itself requires, if any (`RunnerEndpoint.token`). */
  runnerToken?: string;
  /** Prefer the Service FQDN over the pod IP in `direct` mode (needs `service: true`). */
  preferServiceFqdn?: boolean;
  /** For the Service name in `direct` mode when the Sandbox reports none. @default 'cluster.local' */
  clusterDomain?: string;
}
