/**
 * The prober's `runProbe` for a container that really runs: `httpGet` and `tcpSocket` against
 * its pod IP, `exec` through the runner's commands API. Any other probe fails.
 */
import type { KubeObject } from '../store/types.js';
import { httpProbe, probePort, tcpProbe } from './readiness-probe.js';
import { runnerExec } from './runner-exec.js';

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export interface ProbeTarget {
  ip: string;
  /** The runner's socket and token, for `exec` probes. */
  socketPath: string;
  token: string | undefined;
}

export async function runProbe(
  target: ProbeTarget,
  pod: KubeObject,
  container: string,
  probe: Record<string, unknown>,
  timeoutMs: number,
): Promise<boolean> {
  const { ip } = target;
  const spec = isObj(pod.spec) ? pod.spec : {};
  const raw = (Array.isArray(spec.containers) ? spec.containers.filter(isObj) : []).find(
    (c) => c.name === container,
  );
  const ports = Array.isArray(raw?.ports) ? raw.ports.filter(isObj) : [];
  if (isObj(probe.httpGet)) {
    const port = probePort(probe.httpGet.port, ports);
    if (port === undefined) return false;
    const headers: Record<string, string> = {};
    for (const h of Array.isArray(probe.httpGet.httpHeaders) ? probe.httpGet.httpHeaders : [])
      if (isObj(h)) headers[String(h.name)] = String(h.value);
    const path = typeof probe.httpGet.path === 'string' ? probe.httpGet.path : '/';
    return httpProbe(ip, port, path, headers, timeoutMs);
  }
  if (isObj(probe.tcpSocket)) {
    const port = probePort(probe.tcpSocket.port, ports);
    return port === undefined ? false : tcpProbe(ip, port, timeoutMs);
  }
  if (isObj(probe.exec)) {
    const command = Array.isArray(probe.exec.command) ? probe.exec.command.map(String) : [];
    if (command.length === 0) return false;
    const session = runnerExec(target.socketPath, target.token, {
      command,
      stdin: false,
      onStdout: () => undefined,
      onStderr: () => undefined,
    });
    const timer = setTimeout(() => session.kill(), timeoutMs);
    const outcome = await session.done;
    clearTimeout(timer);
    return outcome.kind === 'exited' && outcome.exitCode === 0;
  }
  return false;
}
