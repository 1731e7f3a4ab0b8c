/** `direct`: `http://<pod IP>:<port>` or the Service name; Corral runs in the cluster. */
import { directEndpoint } from '../endpoint.js';
import type { DirectConnection } from './resolve-connection.js';
import { NOTHING_HELD, type RunnerConnector } from './runner-connector.js';

export function directConnector(connection: DirectConnection): RunnerConnector {
  return {
    mode: connection.mode,
    endpointFor: (_ref, target) =>
      Promise.resolve(
        directEndpoint(target, connection.preferServiceFqdn, connection.clusterDomain),
      ),
    ...NOTHING_HELD,
  };
}
