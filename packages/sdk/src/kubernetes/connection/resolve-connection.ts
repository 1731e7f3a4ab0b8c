/**
 * The caller's flat `ConnectionOptions` → one checked, mode-discriminated `ResolvedConnection`
 * (what each connector needs and nothing else). `auto`'s first path is decided in
 * `chooseAutoMode` alone; the per-sandbox fallback under NetworkPolicy (`connection-path.ts`)
 * needs every candidate's connection, so an `AutoConnection` carries them all.
 */
import type { NetworkSource } from '@corral/agent-sandbox';
import { compact } from '../../compact.js';
import { InvalidArgumentError } from '../../errors.js';
import type { ConnectionMode, ConnectionOptions } from './connection-options.js';

export const DEFAULT_RUNNER_PORT = 8888;

interface ConnectionBase {
  /** The runner's port in the pod. */
  port: number;
  /** Bearer token the runner itself requires, if any. */
  runnerToken?: string;
  /** Only an `AutoConnection` sets it (type-level, so explicit modes stay free of it). */
  auto?: never;
}

export interface DirectConnection extends ConnectionBase {
  mode: 'direct';
  preferServiceFqdn: boolean;
  clusterDomain: string;
  /** Where Corral runs, as NetworkPolicy sees it: the pod's policies are checked against it. */
  networkSource?: NetworkSource;
}

export interface RouterConnection extends ConnectionBase {
  mode: 'router';
  routerUrl: string;
  routerToken?: string;
}

export interface GatewayConnection extends ConnectionBase {
  mode: 'gateway';
  gatewayName: string;
  /** Absent: the provider's namespace. */
  gatewayNamespace?: string;
  gatewayScheme: 'http' | 'https';
  /** The listener's port when it is not the scheme's default (80/443). */
  gatewayPort?: number;
  routerToken?: string;
}

export interface PortForwardConnection extends ConnectionBase {
  mode: 'port-forward';
}

/** A path `auto` can take (never `gateway`: it needs a Gateway named explicitly). */
export type AutoPath = 'direct' | 'router' | 'port-forward';

/**
 * `auto`: `mode` is only the first path to try; per sandbox the pod's NetworkPolicies may move
 * it on to the router, then port-forward (`chooseConnectionPath`).
 */
export interface AutoConnection extends Omit<ConnectionBase, 'auto'> {
  auto: true;
  mode: AutoPath;
  inCluster: boolean;
  env: Record<string, string | undefined>;
  /** Where Corral runs; absent: found out from its own pod when in a cluster. */
  networkSource?: NetworkSource;
  direct: DirectConnection;
  /** Only with `routerUrl`. */
  router?: RouterConnection;
  portForward: PortForwardConnection;
}

export type ExplicitConnection =
  DirectConnection | RouterConnection | GatewayConnection | PortForwardConnection;

export type ResolvedConnection = ExplicitConnection | AutoConnection;

export type ResolvedMode = ResolvedConnection['mode'];

const MODES: readonly ConnectionMode[] = ['auto', 'direct', 'router', 'gateway', 'port-forward'];

/** `auto`: `direct` in a pod (`KUBERNETES_SERVICE_HOST` set), else `router` when `routerUrl` is set, else `port-forward`. */
export function chooseAutoMode(
  conn: ConnectionOptions,
  env: Record<string, string | undefined>,
): AutoPath {
  if ((env.KUBERNETES_SERVICE_HOST ?? '') !== '') return 'direct';
  return conn.routerUrl !== undefined ? 'router' : 'port-forward';
}

function checkRouterUrl(routerUrl: string | undefined): string {
  if (routerUrl === undefined) {
    throw new InvalidArgumentError(
      'connection.mode "router" needs connection.routerUrl, e.g. ' +
        '"http://sandbox-router-svc.agent-sandbox-system.svc.cluster.local:8080".',
    );
  }
  try {
    new URL(routerUrl);
  } catch {
    throw new InvalidArgumentError(
      `connection.routerUrl ${JSON.stringify(routerUrl)} is not a URL; use e.g. "http://host:8080".`,
    );
  }
  return routerUrl;
}

function checkOneAuthorization(conn: ConnectionOptions): void {
  if (conn.routerToken !== undefined && conn.runnerToken !== undefined) {
    throw new InvalidArgumentError(
      'connection.routerToken and connection.runnerToken both travel in the Authorization header ' +
        '(and the router strips it before forwarding); set only one of them in router or gateway mode.',
    );
  }
}

/** Validates the connection options and decides `auto`. */
export function resolveConnection(
  conn: ConnectionOptions,
  env: Record<string, string | undefined>,
): ResolvedConnection {
  const port = conn.port ?? DEFAULT_RUNNER_PORT;
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new InvalidArgumentError(
      `connection.port must be a TCP port (1-65535), got ${String(port)}.`,
    );
  }
  const mode = conn.mode ?? 'auto';
  if (!MODES.includes(mode)) {
    throw new InvalidArgumentError(
      `connection.mode must be one of ${MODES.join(', ')}, got ${JSON.stringify(mode)}.`,
    );
  }
  if (
    conn.gatewayPort !== undefined &&
    (!Number.isInteger(conn.gatewayPort) || conn.gatewayPort < 1 || conn.gatewayPort > 65_535)
  ) {
    throw new InvalidArgumentError(
      `connection.gatewayPort must be a TCP port (1-65535), got ${String(conn.gatewayPort)}.`,
    );
  }
  const base: ConnectionBase = compact({
    port,
    runnerToken: conn.runnerToken,
  });
  switch (mode) {
    case 'direct':
      return directConnection(conn, base);
    case 'router':
      return routerConnection(conn, base);
    case 'gateway':
      return gatewayConnection(conn, base);
    case 'port-forward':
      return { ...base, mode };
    case 'auto':
      return autoConnection(conn, env, base);
  }
}

function directConnection(conn: ConnectionOptions, base: ConnectionBase): DirectConnection {
  return {
    ...base,
    mode: 'direct',
    preferServiceFqdn: conn.preferServiceFqdn === true,
    clusterDomain: conn.clusterDomain ?? 'cluster.local',
    ...compact({ networkSource: conn.networkSource }),
  };
}

function routerConnection(conn: ConnectionOptions, base: ConnectionBase): RouterConnection {
  const routerUrl = checkRouterUrl(conn.routerUrl);
  checkOneAuthorization(conn);
  return {
    ...base,
    mode: 'router',
    routerUrl,
    ...compact({ routerToken: conn.routerToken }),
  };
}

function gatewayConnection(conn: ConnectionOptions, base: ConnectionBase): GatewayConnection {
  if (conn.gatewayName === undefined || conn.gatewayName === '') {
    throw new InvalidArgumentError(
      'connection.mode "gateway" needs connection.gatewayName (the Gateway in front of the sandbox-router).',
    );
  }
  checkOneAuthorization(conn);
  return {
    ...base,
    mode: 'gateway',
    gatewayName: conn.gatewayName,
    ...compact({ gatewayNamespace: conn.gatewayNamespace }),
    gatewayScheme: conn.gatewayScheme ?? 'http',
    ...compact({ gatewayPort: conn.gatewayPort, routerToken: conn.routerToken }),
  };
}

/**
 * Whether the router is a fallback candidate. Where `auto` takes it first its options are checked
 * as in `router` mode; as a fallback behind `direct`, options that `router` mode would refuse
 * (a malformed URL, two Authorization tokens) leave it out instead of failing a working `direct`.
 */
function hasRouterCandidate(conn: ConnectionOptions, first: AutoPath): boolean {
  if (conn.routerUrl === undefined) return false;
  if (first === 'router') return true;
  if (conn.routerToken !== undefined && conn.runnerToken !== undefined) return false;
  try {
    new URL(conn.routerUrl);
    return true;
  } catch {
    return false;
  }
}

function autoConnection(
  conn: ConnectionOptions,
  env: Record<string, string | undefined>,
  base: ConnectionBase,
): AutoConnection {
  const first = chooseAutoMode(conn, env);
  const { networkSource, ...withoutSource } = conn;
  return {
    ...base,
    auto: true,
    mode: first,
    inCluster: (env.KUBERNETES_SERVICE_HOST ?? '') !== '',
    env,
    ...compact({ networkSource }),
    // the candidate itself carries no source: `auto` judges each path in `chooseConnectionPath`
    direct: directConnection(withoutSource, base),
    ...(hasRouterCandidate(conn, first) ? { router: routerConnection(conn, base) } : {}),
    portForward: { ...base, mode: 'port-forward' },
  };
}
