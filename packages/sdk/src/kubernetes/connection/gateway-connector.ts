/**
 * `gateway`: the sandbox-router behind a Gateway; the address is read once from the Gateway's
 * status and shared by every sandbox (read again after a failed read).
 */
import type { AgentSandboxClient } from '@corral/agent-sandbox';
import { routerEndpoint } from '../endpoint.js';
import { resolveGatewayAddress } from '../gateway.js';
import type { GatewayConnection } from './resolve-connection.js';
import { NOTHING_HELD, type RunnerConnector } from './runner-connector.js';

export function gatewayConnector(
  connection: GatewayConnection,
  context: {
    kubeConfig: AgentSandboxClient['kubeConfig'];
    defaultNamespace: string;
    timeoutMs: number;
  },
): RunnerConnector {
  let address: Promise<string> | undefined;
  return {
    mode: connection.mode,
    async endpointFor(_ref, target, signal) {
      address ??= resolveGatewayAddress(
        context.kubeConfig,
        connection.gatewayName,
        connection.gatewayNamespace ?? context.defaultNamespace,
        { timeoutMs: context.timeoutMs, signal },
      );
      const pending = address;
      pending.catch(() => {
        if (address === pending) address = undefined;
      });
      const host = await pending;
      return routerEndpoint(
        `${connection.gatewayScheme}://${host}`,
        target,
        connection.routerToken,
      );
    },
    ...NOTHING_HELD,
  };
}
