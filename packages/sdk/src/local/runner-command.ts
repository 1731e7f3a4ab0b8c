/** The argv that starts the runner inside a local sandbox. */
import { RUNNER_LITE_NODE_FLAGS, RUNNER_NODE_FLAGS } from '@corral/runner';
import type { NetworkMode } from '../provider.js';
import type { SandboxPaths } from './launch.js';
import { RUNNER_SOCKET } from './state.js';

export function runnerCommand(
  p: SandboxPaths,
  spec: { network: NetworkMode; env: Record<string, string> },
): string[] {
  return [
    p.node,
    ...RUNNER_NODE_FLAGS,
    // the allow-list bridge and a caller's NODE_OPTIONS run in the runner's process and
    // may need WebAssembly (undici), which lite mode turns off
    ...(spec.network.mode === 'allow' || spec.env.NODE_OPTIONS !== undefined
      ? []
      : RUNNER_LITE_NODE_FLAGS),
    p.files['runner.mjs']!,
    '--mode',
    'serve',
    '--socket',
    `${p.run}/${RUNNER_SOCKET}`,
    '--root',
    p.work,
    ...(p.tokenFile ? [p.tokenFileOnce ? '--token-file-once' : '--token-file', p.tokenFile] : []),
  ];
}
