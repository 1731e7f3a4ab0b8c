/** The connector of a resolved connection mode. */
import type { AgentSandboxClient } from '@corral/agent-sandbox';
import { directConnector } from './direct-connector.js';
import { gatewayConnector } from './gateway-connector.js';
import { portForwardConnector } from './port-forward-connector.js';
import type { ResolvedConnection } from './resolve-connection.js';
import { routerConnector } from './router-connector.js';
import type { RunnerConnector } from './runner-connector.js';

export function createConnector(
  connection: ResolvedConnection,
  context: {
    kubeConfig: AgentSandboxClient['kubeConfig'];
    defaultNamespace: string;
    /** Budget for reading the Gateway's address. */
    timeoutMs: number;
  },
): RunnerConnector {
  switch (connection.mode) {
    case 'direct':
      return directConnector(connection);
    case 'router':
      return routerConnector(connection);
    case 'gateway':
      return gatewayConnector(connection, context);
    case 'port-forward':
      return portForwardConnector(connection, context.kubeConfig);
  }
}
