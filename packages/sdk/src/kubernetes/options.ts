import type { Clock, NetworkSource } from '@corral/agent-sandbox';
import type { KubeConfig } from '@kubernetes/client-node';
import { InvalidArgumentError } from '../errors.js';
import type { ProviderCreateOptions } from '../provider.js';
import { checkIdentifier, defaultOwner } from '../labels.js';

/**
 * How Corral reaches the runner inside a sandbox pod.
 * - `direct`: `http://<pod IP>:<port>` (Corral runs in the cluster).
 * - `router`: upstream's sandbox-router at `routerUrl`, with `X-Sandbox-*` headers.
 * - `gateway`: the router behind a Gateway; its address is read from the Gateway's status.
 * - `port-forward`: a local port per sandbox, tunnelled through the API server (a laptop).
 * - `auto` (default): `direct` in a pod (`KUBERNETES_SERVICE_HOST` set), else `router` when
 *   `routerUrl` is set, else `port-forward`; when the sandbox pod's NetworkPolicies would refuse
 *   that path (readable with `networkpolicies list`), the next one: router, then port-forward.
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

export interface KubernetesProviderOptions {
  /** A loaded KubeConfig; otherwise `kubeconfigPath`, then KUBECONFIG, ~/.kube/config, in-cluster. */
  kubeConfig?: KubeConfig;
  kubeconfigPath?: string;
  context?: string;
  /** Namespace of the claims. @default the context's namespace, else `default` */
  namespace?: string;
  /** Default SandboxWarmPool to claim from (a `replicas: 0` pool gives cold starts). */
  warmPool?: string;
  /** Default SandboxTemplate (v1alpha1 clusters only; v1beta1 claims name a pool). */
  template?: string;
  /** @default 'auto': v1beta1 when served, else v1alpha1 */
  apiVersion?: 'auto' | 'v1beta1' | 'v1alpha1';
  connection?: ConnectionOptions;
  /** Safety net: `lifecycle.shutdownTime` = now + this. @default 3 600 000 (1 h) */
  maxLifetimeMs?: number;
  /** `lifecycle.ttlSecondsAfterFinished`. @default 60 */
  ttlSecondsAfterFinished?: number;
  /** Value of the `corral.dev/owner` label. @default `<hostname>-<pid>` */
  owner?: string;
  /** Budget for the claim to become Ready, unless `create({ timeoutMs })` says otherwise. @default 180 000 */
  readyTimeoutMs?: number;
  /** Budget for deleting a claim on rollback and in signal cleanup. @default 30 000 */
  cleanupTimeoutMs?: number;
  /** Delete every claim this provider created on SIGINT/SIGTERM (see `enableSignalCleanup`). */
  cleanupOnSignal?: boolean;
  /** Environment to read `KUBERNETES_SERVICE_HOST` from. @default process.env */
  env?: Record<string, string | undefined>;
  /** Time source for waits (tests). */
  clock?: Clock;
}

/** What `create` accepts beyond the provider interface's options. */
export interface KubernetesCreateOptions extends ProviderCreateOptions {
  /** Overrides the provider's namespace; the id is then `<namespace>/<claim name>`. */
  namespace?: string;
  /** Overrides the provider's `warmPool`. */
  warmPool?: string;
  /** Overrides the provider's `template` (v1alpha1 clusters). */
  template?: string;
  /** Labels and annotations for the pod (label keys need a domain the controller allows). */
  podLabels?: Record<string, string>;
  podAnnotations?: Record<string, string>;
}

export interface ResolvedOptions {
  namespace: string | undefined;
  warmPool: string | undefined;
  template: string | undefined;
  connection: Required<Pick<ConnectionOptions, 'port' | 'gatewayScheme'>> &
    Omit<ConnectionOptions, 'mode' | 'port' | 'gatewayScheme'> & {
      mode: Exclude<ConnectionMode, 'auto'>;
      /** `auto` was asked for: `mode` is only the first path to try. */
      auto: boolean;
      inCluster: boolean;
      env: Record<string, string | undefined>;
    };
  maxLifetimeMs: number;
  ttlSecondsAfterFinished: number;
  owner: string;
  readyTimeoutMs: number;
  cleanupTimeoutMs: number;
}

export const DEFAULT_MAX_LIFETIME_MS = 3_600_000;
export const DEFAULT_TTL_SECONDS_AFTER_FINISHED = 60;
export const DEFAULT_READY_TIMEOUT_MS = 180_000;
export const DEFAULT_CLEANUP_TIMEOUT_MS = 30_000;
export const DEFAULT_RUNNER_PORT = 8888;

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new InvalidArgumentError(
      `${name} must be a positive number of milliseconds, got ${String(value)}.`,
    );
  }
  return value;
}

/** Validates the options and fills in defaults; the connection mode `auto` is decided here. */
export function resolveOptions(options: KubernetesProviderOptions): ResolvedOptions {
  const conn = options.connection ?? {};
  const env = options.env ?? process.env;
  const port = conn.port ?? DEFAULT_RUNNER_PORT;
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new InvalidArgumentError(
      `connection.port must be a TCP port (1-65535), got ${String(port)}.`,
    );
  }
  const mode = conn.mode ?? 'auto';
  const allowed: ConnectionMode[] = ['auto', 'direct', 'router', 'gateway', 'port-forward'];
  if (!allowed.includes(mode)) {
    throw new InvalidArgumentError(
      `connection.mode must be one of ${allowed.join(', ')}, got ${JSON.stringify(mode)}.`,
    );
  }
  const inCluster = (env.KUBERNETES_SERVICE_HOST ?? '') !== '';
  const chosen: Exclude<ConnectionMode, 'auto'> =
    mode !== 'auto'
      ? mode
      : inCluster
        ? 'direct'
        : conn.routerUrl !== undefined
          ? 'router'
          : 'port-forward';
  if (chosen === 'router') {
    if (conn.routerUrl === undefined) {
      throw new InvalidArgumentError(
        'connection.mode "router" needs connection.routerUrl, e.g. ' +
          '"http://sandbox-router-svc.agent-sandbox-system.svc.cluster.local:8080".',
      );
    }
    try {
      new URL(conn.routerUrl);
    } catch {
      throw new InvalidArgumentError(
        `connection.routerUrl ${JSON.stringify(conn.routerUrl)} is not a URL; use e.g. "http://host:8080".`,
      );
    }
  }
  if (
    conn.gatewayPort !== undefined &&
    (!Number.isInteger(conn.gatewayPort) || conn.gatewayPort < 1 || conn.gatewayPort > 65_535)
  ) {
    throw new InvalidArgumentError(
      `connection.gatewayPort must be a TCP port (1-65535), got ${String(conn.gatewayPort)}.`,
    );
  }
  if (chosen === 'gateway' && (conn.gatewayName ?? '') === '') {
    throw new InvalidArgumentError(
      'connection.mode "gateway" needs connection.gatewayName (the Gateway in front of the sandbox-router).',
    );
  }
  if (
    (chosen === 'router' || chosen === 'gateway') &&
    conn.routerToken !== undefined &&
    conn.runnerToken !== undefined
  ) {
    throw new InvalidArgumentError(
      'connection.routerToken and connection.runnerToken both travel in the Authorization header ' +
        '(and the router strips it before forwarding); set only one of them in router or gateway mode.',
    );
  }
  const ttl = options.ttlSecondsAfterFinished ?? DEFAULT_TTL_SECONDS_AFTER_FINISHED;
  if (!Number.isInteger(ttl) || ttl < 0) {
    throw new InvalidArgumentError(
      `ttlSecondsAfterFinished must be a non-negative whole number, got ${String(ttl)}.`,
    );
  }
  const owner = options.owner ?? defaultOwner();
  checkIdentifier('owner', owner);
  if (
    options.apiVersion !== undefined &&
    !['auto', 'v1beta1', 'v1alpha1'].includes(options.apiVersion)
  ) {
    throw new InvalidArgumentError(
      `apiVersion must be "auto", "v1beta1" or "v1alpha1", got ${JSON.stringify(options.apiVersion)}.`,
    );
  }
  const rest: Omit<ConnectionOptions, 'mode' | 'port' | 'gatewayScheme'> = {
    ...(conn.routerUrl !== undefined ? { routerUrl: conn.routerUrl } : {}),
    ...(conn.routerToken !== undefined ? { routerToken: conn.routerToken } : {}),
    ...(conn.gatewayName !== undefined ? { gatewayName: conn.gatewayName } : {}),
    ...(conn.gatewayNamespace !== undefined ? { gatewayNamespace: conn.gatewayNamespace } : {}),
    ...(conn.gatewayPort !== undefined ? { gatewayPort: conn.gatewayPort } : {}),
    ...(conn.networkSource !== undefined ? { networkSource: conn.networkSource } : {}),
    ...(conn.runnerToken !== undefined ? { runnerToken: conn.runnerToken } : {}),
    ...(conn.preferServiceFqdn !== undefined ? { preferServiceFqdn: conn.preferServiceFqdn } : {}),
    ...(conn.clusterDomain !== undefined ? { clusterDomain: conn.clusterDomain } : {}),
  };
  const gatewayScheme = conn.gatewayScheme;
  return {
    namespace: options.namespace,
    warmPool: options.warmPool,
    template: options.template,
    connection: {
      ...rest,
      mode: chosen,
      auto: mode === 'auto',
      inCluster,
      env,
      port,
      gatewayScheme: gatewayScheme ?? 'http',
    },
    maxLifetimeMs: positive('maxLifetimeMs', options.maxLifetimeMs, DEFAULT_MAX_LIFETIME_MS),
    ttlSecondsAfterFinished: ttl,
    owner,
    readyTimeoutMs: positive('readyTimeoutMs', options.readyTimeoutMs, DEFAULT_READY_TIMEOUT_MS),
    cleanupTimeoutMs: positive(
      'cleanupTimeoutMs',
      options.cleanupTimeoutMs,
      DEFAULT_CLEANUP_TIMEOUT_MS,
    ),
  };
}
