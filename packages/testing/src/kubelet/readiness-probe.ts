/**
 * Readiness probes as the kubelet's prober runs them (`pkg/kubelet/prober`): `httpGet` (status
 * 200–399), `tcpSocket` (the connect succeeds) and `exec` (exit code 0), each bounded by
 * `timeoutSeconds`, against the pod IP. The thresholds and period live in `ProbeTimings`; the
 * kubelet owns the schedule on its clock.
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import type { KubeObject } from '../store/types.js';

export type ProbeSpec = Record<string, unknown>;

export interface ProbeTimings {
  initialDelayMs: number;
  periodMs: number;
  timeoutMs: number;
  successThreshold: number;
  failureThreshold: number;
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function seconds(v: unknown, fallback: number, min: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? Math.max(min, v) : fallback;
}

/** The API server's probe defaults (`SetDefaults_Probe`). */
export function probeTimings(probe: ProbeSpec): ProbeTimings {
  return {
    initialDelayMs: seconds(probe.initialDelaySeconds, 0, 0) * 1000,
    periodMs: seconds(probe.periodSeconds, 10, 1) * 1000,
    timeoutMs: seconds(probe.timeoutSeconds, 1, 1) * 1000,
    successThreshold: seconds(probe.successThreshold, 1, 1),
    failureThreshold: seconds(probe.failureThreshold, 3, 1),
  };
}

/** The readiness probes of a pod's containers, by container name. */
export function readinessProbes(pod: KubeObject): { container: string; probe: ProbeSpec }[] {
  const spec = isObj(pod.spec) ? pod.spec : {};
  const containers = Array.isArray(spec.containers) ? spec.containers.filter(isObj) : [];
  return containers
    .filter((c) => isObj(c.readinessProbe))
    .map((c) => ({ container: String(c.name), probe: c.readinessProbe as ProbeSpec }));
}

/** A named port (`port: http`) resolves through the container's `ports`. */
export function probePort(
  port: unknown,
  containerPorts: readonly { name?: unknown; containerPort?: unknown }[],
): number | undefined {
  if (typeof port === 'number') return port;
  if (typeof port === 'string' && /^\d+$/.test(port)) return Number(port);
  const named = containerPorts.find((p) => p.name === port);
  return typeof named?.containerPort === 'number' ? named.containerPort : undefined;
}

export function httpProbe(
  host: string,
  port: number,
  path: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(
      {
        host,
        port,
        path,
        method: 'GET',
        headers: { 'User-Agent': 'kube-probe/1.33', ...headers },
        // from the pod's own address: NetworkPolicy never filters the kubelet's probes (a CNI
        // admits node-local traffic), and the fake's enforcement admits a pod's own IP
        localAddress: host,
      },
      (res) => {
        // the pod may die mid-response ("aborted"): the verdict is the status line
        res.on('error', () => undefined);
        res.resume();
        const code = res.statusCode ?? 0;
        resolve(code >= 200 && code < 400);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

export function tcpProbe(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    // from the pod's own address, as httpProbe: probes are not subject to NetworkPolicy
    const socket = connect({ host, port, localAddress: host });
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
