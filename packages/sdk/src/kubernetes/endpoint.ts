/** Builds the `RunnerEndpoint` of a sandbox for the direct, router and Gateway modes. */
import { isIPv6 } from 'node:net';
import type { RunnerEndpoint } from '../provider.js';

/** The sandbox-router's request headers (upstream `sandbox-router`, both implementations). */
export const ROUTER_HEADERS = {
  id: 'X-Sandbox-ID',
  namespace: 'X-Sandbox-Namespace',
  port: 'X-Sandbox-Port',
  podIP: 'X-Sandbox-Pod-IP',
} as const;

/** `::ffff:10.0.0.1` → `10.0.0.1`; other addresses unchanged. */
function normalizeIP(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return mapped?.[1] ?? ip;
}

/** The pod IP to dial: the first IPv4 address, else the first address. */
export function pickPodIP(ips: readonly string[] | undefined): string | undefined {
  const all = (ips ?? []).map(normalizeIP).filter((ip) => ip !== '');
  return all.find((ip) => !isIPv6(ip)) ?? all[0];
}

function hostOf(ip: string): string {
  return isIPv6(ip) ? `[${ip}]` : ip;
}

export interface EndpointTarget {
  /** The Sandbox's name (not the claim's: they differ after warm adoption). */
  sandboxName: string;
  namespace: string;
  podIPs: readonly string[];
  serviceFQDN?: string | undefined;
  port: number;
  runnerToken?: string | undefined;
}

function withToken(endpoint: RunnerEndpoint, token: string | undefined): RunnerEndpoint {
  return token === undefined ? endpoint : { ...endpoint, token };
}

/**
 * `http://<pod IP>:<port>`, or the Service FQDN (preferred when asked, or when there is no pod
 * IP). Without either (e.g. a suspended sandbox) the conventional Service name is used, as
 * upstream's in-cluster mode does; it resolves only when the template sets `service: true`.
 */
export function directEndpoint(
  target: EndpointTarget,
  preferServiceFqdn = false,
  clusterDomain = 'cluster.local',
): RunnerEndpoint {
  const ip = pickPodIP(target.podIPs);
  const fqdn =
    target.serviceFQDN ?? `${target.sandboxName}.${target.namespace}.svc.${clusterDomain}`;
  const host = preferServiceFqdn || ip === undefined ? fqdn : hostOf(ip);
  return withToken({ baseUrl: `http://${host}:${target.port}` }, target.runnerToken);
}

/**
 * Through the sandbox-router (or a Gateway in front of it): the router picks the pod from the
 * `X-Sandbox-*` headers. The pod IP is sent so warm-pool sandboxes without a Service resolve
 * (upstream issue #883).
 */
export function routerEndpoint(
  baseUrl: string,
  target: EndpointTarget,
  routerToken?: string,
): RunnerEndpoint {
  const headers: Record<string, string> = {
    [ROUTER_HEADERS.id]: target.sandboxName,
    [ROUTER_HEADERS.namespace]: target.namespace,
    [ROUTER_HEADERS.port]: String(target.port),
  };
  const ip = pickPodIP(target.podIPs);
  if (ip !== undefined) headers[ROUTER_HEADERS.podIP] = ip;
  if (routerToken !== undefined) headers.Authorization = `Bearer ${routerToken}`;
  return withToken({ baseUrl: baseUrl.replace(/\/+$/, ''), headers }, target.runnerToken);
}
