/**
 * The agent's `$HOME` in the sandbox, under the runner's root (which the image decides: `/work`
 * locally and in the fake cluster, `/workspace` in Corral's runner image), with the profile's
 * config files; on `image`, the model base URL read from the pod's environment (the profile's
 * config files need it; the key stays there).
 */
import { join } from 'node:path';
import type { RunnerClient } from '@corral/sdk';
import { compact } from '@corral/sdk';
import { HOME_DIR } from './checkpoint.js';
import { AgentRunError } from './errors.js';
import { BRIDGE_PORT } from './gateway/bridge.js';
import { podBaseUrl, POD_MODEL_ENV, type AgentPlacement } from './placement.js';
import type { AgentProfile } from './profiles/types.js';

export async function prepareAgentHome(
  client: RunnerClient,
  ctx: { profile: AgentProfile; placement: AgentPlacement },
  model: string | undefined,
  signal: AbortSignal,
): Promise<{ home: string; baseUrl?: string }> {
  const { profile, placement } = ctx;
  const urlVar =
    placement === 'image' && profile.api !== 'none' ? POD_MODEL_ENV[profile.api].baseUrl : '';
  const probe = await client.commands.run(
    [
      '/bin/sh',
      '-c',
      `mkdir -p ${HOME_DIR} && pwd && printf '%s' "\${${urlVar || 'CORRAL_NONE'}:-}"`,
    ],
    { signal },
  );
  const [root = '', podUrl = ''] = probe.stdout.split('\n');
  if (probe.exitCode !== 0 || !root.startsWith('/'))
    throw new AgentRunError(
      `cannot prepare the agent's home in the sandbox: ${probe.stderr.trim()}`,
    );
  const home = `${root}/${HOME_DIR}`;
  const podUrlUsed =
    placement === 'image'
      ? podBaseUrl(profile.api, podUrl || profile.upstreamUrl || '')
      : undefined;
  const files = profile.homeFiles?.({
    baseUrl: podUrlUsed ?? `http://127.0.0.1:${BRIDGE_PORT}`,
    home,
    ...(model ? { model } : {}),
  });
  for (const [path, content] of Object.entries(files ?? {})) {
    await client.files.write(join(HOME_DIR, path), content, { signal });
  }
  return compact({ home, baseUrl: podUrlUsed });
}
