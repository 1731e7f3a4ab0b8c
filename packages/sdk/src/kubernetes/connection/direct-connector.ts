/**
 * `direct`: `http://<pod IP>:<port>` or the Service name; Corral runs in the cluster. With a
 * `networkSource` the pod's NetworkPolicies are checked first, so a path they refuse fails at
 * once naming the policy instead of at the connection's timeout.
 */
import type { AgentSandboxClient } from '@corral/agent-sandbox';
import { chooseConnectionPath } from '../connection-path.js';
import { directEndpoint } from '../endpoint.js';
import type { DirectConnection } from './resolve-connection.js';
import { NOTHING_HELD, type RunnerConnector } from './runner-connector.js';

export function directConnector(
  connection: DirectConnection,
  kubeConfig: AgentSandboxClient['kubeConfig'],
): RunnerConnector {
  const source = connection.networkSource;
  return {
    mode: connection.mode,
    async endpointFor(ref, target, signal) {
      if (source !== undefined) {
        // throws a non-retryable ConnectionError when a policy refuses the source
        await chooseConnectionPath({
          kubeConfig,
          mode: 'direct',
          auto: false,
          source,
          inCluster: false,
          env: {},
          hasRouter: false,
          namespace: ref.namespace,
          podName: target.podName,
          port: connection.port,
          signal,
        });
      }
      return directEndpoint(target, connection.preferServiceFqdn, connection.clusterDomain);
    },
    ...NOTHING_HELD,
  };
}
