/** Where Corral's parts are inside a local sandbox, and the model bridge started there. */
import type { RunnerClient } from '@corral/sdk';
import { AgentRunError } from './errors.js';
import { BRIDGE_FILE, BRIDGE_PORT, BRIDGE_READY, GATEWAY_SOCKET } from './gateway/bridge.js';
import { AGENT_DIR } from './placement.js';

export const IN_SANDBOX = {
  agent: AGENT_DIR,
  gateway: '/opt/corral/gateway',
  source: '/opt/corral/source',
};
export const NODE_INSIDE = process.execPath.startsWith('/usr/')
  ? process.execPath
  : '/opt/corral/node';

/**
 * Starts the in-sandbox half of the gateway (loopback → the gateway's socket) as a background
 * command that lives as long as the sandbox; resolves once it accepts connections.
 */
export async function startBridge(client: RunnerClient, signal: AbortSignal): Promise<void> {
  let ready: () => void = () => undefined;
  const listening = new Promise<void>((resolve) => (ready = resolve));
  let out = '';
  const handle = await client.commands.run(
    [
      NODE_INSIDE,
      `${IN_SANDBOX.gateway}/${BRIDGE_FILE}`,
      `${IN_SANDBOX.gateway}/${GATEWAY_SOCKET}`,
      String(BRIDGE_PORT),
    ],
    {
      background: true,
      keepStdinOpen: false,
      signal,
      onStdout: (text) => {
        out += text;
        if (out.includes(BRIDGE_READY)) ready();
      },
    },
  );
  const exited = handle.wait().then((r) => {
    throw new AgentRunError(
      `the model bridge in the sandbox exited with ${r.exitCode ?? 'a signal'} before it was ready: ${r.stderr.trim() || 'no output'}`,
      { code: 'BRIDGE_FAILED' },
    );
  });
  // after readiness the handle ends only with the sandbox; nothing waits for it then
  exited.catch(() => undefined);
  await Promise.race([listening, exited]);
}
