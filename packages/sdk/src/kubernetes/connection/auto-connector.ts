/**
 * `auto`: the first path `chooseAutoMode` picked, unless the sandbox pod's NetworkPolicies refuse
 * it; then the router (when `routerUrl` is set), then port-forward, which enters the pod's
 * network namespace and is never filtered. Decided per call, since a resumed sandbox is a new pod.
 * Composed of the candidate modes' own connectors.
 */
import type { AgentSandboxClient } from '@corral/agent-sandbox';
import { chooseConnectionPath, type ConnectionPath } from '../connection-path.js';
import { directConnector } from './direct-connector.js';
import { portForwardConnector } from './port-forward-connector.js';
import type { AutoConnection } from './resolve-connection.js';
import { routerConnector } from './router-connector.js';
import type { RunnerConnector } from './runner-connector.js';

export function autoConnector(
  connection: AutoConnection,
  kubeConfig: AgentSandboxClient['kubeConfig'],
): RunnerConnector {
  const direct = directConnector(connection.direct, kubeConfig);
  const portForward = portForwardConnector(connection.portForward, kubeConfig);
  const router = connection.router !== undefined ? routerConnector(connection.router) : undefined;
  const all = [direct, portForward, ...(router !== undefined ? [router] : [])];
  // in auto mode `chooseConnectionPath` picks only among the first path, the router when there
  // is one, and port-forward (never gateway)
  const connectorOf = (path: ConnectionPath): RunnerConnector =>
    path === 'direct' ? direct : path === 'router' ? (router ?? portForward) : portForward;
  return {
    mode: connection.mode,
    async endpointFor(ref, target, signal) {
      const path = await chooseConnectionPath({
        kubeConfig,
        mode: connection.mode,
        auto: true,
        source: connection.networkSource,
        inCluster: connection.inCluster,
        env: connection.env,
        hasRouter: connection.router !== undefined,
        namespace: ref.namespace,
        podName: target.podName,
        port: connection.port,
        signal,
      });
      return connectorOf(path).endpointFor(ref, target, signal);
    },
    async podStopped(id) {
      await Promise.all(all.map((c) => c.podStopped(id)));
    },
    async release(id) {
      await Promise.all(all.map((c) => c.release(id)));
    },
    async close() {
      await Promise.all(all.map((c) => c.close()));
    },
  };
}
