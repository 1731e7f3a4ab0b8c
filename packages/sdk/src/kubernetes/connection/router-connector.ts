/** `router`: upstream's sandbox-router at a known URL picks the pod from `X-Sandbox-*` headers. */
import { routerEndpoint } from '../endpoint.js';
import type { RouterConnection } from './resolve-connection.js';
import { NOTHING_HELD, type RunnerConnector } from './runner-connector.js';

export function routerConnector(connection: RouterConnection): RunnerConnector {
  return {
    mode: connection.mode,
    endpointFor: (_ref, target) =>
      Promise.resolve(routerEndpoint(connection.routerUrl, target, connection.routerToken)),
    ...NOTHING_HELD,
  };
}
