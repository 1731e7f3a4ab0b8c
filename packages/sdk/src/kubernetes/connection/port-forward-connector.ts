/**
 * `port-forward`: a local port per sandbox, tunnelled through the API server (a laptop). The
 * forward outlives a suspend: it keeps its port and dials the new pod after a resume.
 */
import type { AgentSandboxClient } from '@corral/agent-sandbox';
import { compact } from '../../compact.js';
import { startPortForward, type PortForwardServer } from '../port-forward.js';
import type { PortForwardConnection } from './resolve-connection.js';
import type { RunnerConnector } from './runner-connector.js';

export function portForwardConnector(
  connection: PortForwardConnection,
  kubeConfig: AgentSandboxClient['kubeConfig'],
): RunnerConnector {
  const forwards = new Map<string, Promise<PortForwardServer>>();
  const release = async (id: string): Promise<void> => {
    const pending = forwards.get(id);
    if (pending === undefined) return;
    forwards.delete(id);
    const server = await pending.catch(() => undefined);
    await server?.close();
  };
  return {
    mode: connection.mode,
    async endpointFor(ref, target) {
      let pending = forwards.get(ref.id);
      if (pending === undefined) {
        pending = startPortForward({
          kubeConfig,
          namespace: ref.namespace,
          pod: target.podName,
          port: connection.port,
        });
        forwards.set(ref.id, pending);
        pending.catch(() => forwards.delete(ref.id));
      }
      const server = await pending;
      if (server.pod !== target.podName) server.retarget(target.podName);
      return compact({
        baseUrl: server.url,
        token: target.runnerToken,
      });
    },
    async podStopped(id) {
      const forward = await forwards.get(id)?.catch(() => undefined);
      forward?.retarget(forward.pod);
    },
    release,
    async close() {
      await Promise.allSettled([...forwards.keys()].map((id) => release(id)));
    },
  };
}
