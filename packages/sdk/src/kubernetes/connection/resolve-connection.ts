/**
 * The caller's flat `ConnectionOptions` → one checked, mode-discriminated `ResolvedConnection`
 * (what each connector needs and nothing else). `auto` is decided in `chooseAutoMode` alone.
 */
import { InvalidArgumentError } from '../../errors.js';
import type { ConnectionMode, ConnectionOptions } from '../options.js';

export const DEFAULT_RUNNER_PORT = 8888;

interface ConnectionBase {
  /** The runner's port in the pod. */
  port: number;
  /** Bearer token the runner itself requires, if any. */
  runnerToken?: string;
}

export interface DirectConnection extends ConnectionBase {
  mode: 'direct';
  preferServiceFqdn: boolean;
  clusterDomain: string;
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
  routerToken?: string;
}

export interface PortForwardConnection extends ConnectionBase {
  mode: 'port-forward';
}

export type ResolvedConnection =
  DirectConnection | RouterConnection | GatewayConnection | PortForwardConnection;

export type ResolvedMode = ResolvedConnection['mode'];

const MODES: readonly ConnectionMode[] = ['auto', 'direct', 'router', 'gateway', 'port-forward'];

/** `auto`: `direct` in a pod (`KUBERNETES_SERVICE_HOST` set), else `router` when `routerUrl` is set, else `port-forward`. */
export function chooseAutoMode(
  conn: ConnectionOptions,
  env: Record<string, string | undefined>,
): ResolvedMode {
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
  const chosen = mode === 'auto' ? chooseAutoMode(conn, env) : mode;
  const base: ConnectionBase = {
    port,
    ...(conn.runnerToken !== undefined ? { runnerToken: conn.runnerToken } : {}),
  };
  const routerToken = conn.routerToken !== undefined ? { routerToken: conn.routerToken } : {};
  switch (chosen) {
    case 'direct':
      return {
        ...base,
        mode: chosen,
        preferServiceFqdn: conn.preferServiceFqdn === true,
        clusterDomain: conn.clusterDomain ?? 'cluster.local',
      };
    case 'router': {
      const routerUrl = checkRouterUrl(conn.routerUrl);
      checkOneAuthorization(conn);
      return { ...base, mode: chosen, routerUrl, ...routerToken };
    }
    case 'gateway': {
      if (conn.gatewayName === undefined || conn.gatewayName === '') {
        throw new InvalidArgumentError(
          'connection.mode "gateway" needs connection.gatewayName (the Gateway in front of the sandbox-router).',
        );
      }
      checkOneAuthorization(conn);
      return {
        ...base,
        mode: chosen,
        gatewayName: conn.gatewayName,
        ...(conn.gatewayNamespace !== undefined ? { gatewayNamespace: conn.gatewayNamespace } : {}),
        gatewayScheme: conn.gatewayScheme ?? 'http',
        ...routerToken,
      };
    }
    case 'port-forward':
      return { ...base, mode: chosen };
  }
}
