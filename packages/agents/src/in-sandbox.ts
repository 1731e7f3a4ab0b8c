/** Where Corral's parts are inside a local sandbox, and the model bridge started there. */
import type { RunnerClient } from '@corral/sdk';
import { AgentRunError } from './errors.js';
import { existsSync } from 'node:fs';
import {
  BRIDGE_FILE,
  BRIDGE_PORT,
  BRIDGE_PY_FILE,
  BRIDGE_READY,
  GATEWAY_SOCKET,
} from './gateway/bridge.js';
import { AGENT_DIR } from './placement.js';

export const IN_SANDBOX = {
  agent: AGENT_DIR,
  gateway: '/opt/corral/gateway',
  source: '/opt/corral/source',
};
export const NODE_INSIDE = process.execPath.startsWith('/usr/')
  ? process.execPath
  : '/opt/corral/node';
/** Local sandboxes see the host's `/usr`: its Python runs the lighter bridge. */
const PYTHON_INSIDE = '/usr/bin/python3';

/** The bridge's argv: Python's when the host has it, else node's. */
export function bridgeArgv(hasPython = existsSync(PYTHON_INSIDE)): string[] {
  const target = [`${IN_SANDBOX.gateway}/${GATEWAY_SOCKET}`, String(BRIDGE_PORT)];
  return hasPython
    ? [PYTHON_INSIDE, '-I', '-S', `${IN_SANDBOX.gateway}/${BRIDGE_PY_FILE}`, ...target]
    : [NODE_INSIDE, `${IN_SANDBOX.gateway}/${BRIDGE_FILE}`, ...target];
}

/**
 * Starts the in-sandbox half of the gateway (loopback → the gateway's socket) as a background
 * command that lives as long as the sandbox; resolves once it accepts connections.
 */
export async function startBridge(client: RunnerClient, signal: AbortSignal): Promise<void> {
  let ready: () => void = () => undefined;
  const listening = new Promise<void>((resolve) => (ready = resolve));
  let out = '';
  const handle = await client.commands.run(bridgeArgv(), {
    background: true,
    keepStdinOpen: false,
    signal,
    onStdout: (text) => {
      out += text;
      if (out.includes(BRIDGE_READY)) ready();
    },
  });
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
