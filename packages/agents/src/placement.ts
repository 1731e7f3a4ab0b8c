/**
 * Where an agent run gets its agent binary and its model access — the only things that differ
 * between a local sandbox and a Kubernetes pod; everything else in `run.ts` is one code path.
 *
 * - `host` (local provider): the agent comes from the host's install cache, bound read-only at
 *   `/opt/corral/agent`; the model is reached through the run's host gateway, which holds the key,
 *   counts tokens and enforces `maxTokens`/`maxCostUsd`.
 * - `image` (Kubernetes): the pod's image provides the agent at the same path (see
 *   `deploy/agents/`), and the pod's environment provides the model endpoint and the key — the
 *   key from a Secret (`valueFrom.secretKeyRef` in the template), so Corral never holds or
 *   writes it. The pod reaches the model host through its template's NetworkPolicy egress.
 *   There is no host gateway on this path, so token and cost limits cannot be enforced.
 */
import type { SandboxProvider } from '@corral/sdk';
import { InvalidAgentOptionsError } from './errors.js';
import type { InstalledAgent } from './install.js';
import type { AgentProfile, ModelApi } from './profiles/types.js';

export type AgentPlacement = 'host' | 'image';

/** Where the agent's install directory is inside the sandbox, on both placements. */
export const AGENT_DIR = '/opt/corral/agent';

/** The pod environment variables an agent image's template sets, per model API. */
export const POD_MODEL_ENV: Record<Exclude<ModelApi, 'none'>, { key: string; baseUrl: string }> = {
  anthropic: { key: 'ANTHROPIC_API_KEY', baseUrl: 'ANTHROPIC_BASE_URL' },
  openai: { key: 'OPENAI_API_KEY', baseUrl: 'OPENAI_BASE_URL' },
};

/** A pod-scheduling provider gets `image`: its sandboxes cannot see host paths. */
export function defaultPlacement(provider: SandboxProvider): AgentPlacement {
  return provider.capabilities().isolation === 'pod' ? 'image' : 'host';
}

/** The agent as an `image` placement provides it (same layout as the install cache). */
export function imageAgent(profile: AgentProfile): InstalledAgent | undefined {
  if (!profile.npm || !profile.binary) return undefined;
  return {
    dir: AGENT_DIR,
    bin: `${AGENT_DIR}/${profile.binary}`,
    binary: profile.binary,
    version: profile.npm.version,
  };
}

/**
 * Limits only the host gateway can enforce are refused up front on `image`, not silently
 * dropped: tokens and cost always; `maxTurns` unless the agent enforces it itself (its command
 * line changes with it, e.g. Claude Code's `--max-turns`).
 */
export function checkPlacementLimits(
  placement: AgentPlacement,
  options: {
    maxTokens?: number | undefined;
    maxCostUsd?: number | undefined;
    maxTurns?: number | undefined;
  },
  profile?: AgentProfile,
): void {
  if (placement !== 'image') return;
  const given: string[] = (['maxTokens', 'maxCostUsd'] as const).filter(
    (k) => options[k] !== undefined,
  );
  if (options.maxTurns !== undefined && profile !== undefined && !takesMaxTurns(profile))
    given.push('maxTurns');
  if (given.length > 0)
    throw new InvalidAgentOptionsError(
      `${given.join(' and ')} cannot be enforced when the sandbox image provides the agent (Kubernetes): ` +
        'the agent calls the model API directly with the key from its Secret, and no Corral gateway sees the tokens. ' +
        'Drop the option and bound the run with timeoutMs (and maxTurns where the agent takes it), or a spend limit on the API key, ' +
        'or run on the local provider (docs/agents-kubernetes.md).',
    );
}

/**
 * A repository on the host's disk is bound into a local sandbox; a pod cannot see host paths,
 * so on `image` it is refused before the claim instead of failing the clone inside the pod.
 */
export function checkPlacementWorkspace(
  placement: AgentPlacement,
  workspace: { dir: string } | { repo: string },
): void {
  if (placement !== 'image' || !('repo' in workspace)) return;
  const { repo } = workspace;
  if (repo.startsWith('/') || repo.startsWith('file://'))
    throw new InvalidAgentOptionsError(
      `workspace.repo ${repo} is a path on this machine, which a pod cannot see: pass the directory as workspace.dir (it is copied in), or a git URL the pod can reach.`,
    );
}

/** The agent enforces `maxTurns` itself: its command line changes with it. */
export function takesMaxTurns(profile: AgentProfile): boolean {
  const base = { bin: 'agent', prompt: 'p', mode: 'execute' as const, baseUrl: 'http://x' };
  const without = profile.command(base).join('\0');
  return profile.command({ ...base, maxTurns: 7 }).join('\0') !== without;
}

/**
 * The base URL the profile's config gets from the pod's variable: the OpenAI SDKs' variable
 * includes `/v1`, which the profiles add themselves (as the local CLI strips it).
 */
export function podBaseUrl(api: ModelApi, value: string): string {
  const url = value.replace(/\/+$/, '');
  return api === 'openai' ? url.replace(/\/v1$/, '') : url;
}

const TOKEN_SENTINEL = 'corral-placement-token-sentinel';

/**
 * The agent's environment and argv on the `image` placement: the profile's variables that would
 * carry Corral's placeholder token are taken from the pod's key variable instead (by a shell
 * `export` at start, so the value is never in Corral's hands or in argv).
 */
export function imageAgentLaunch(
  profile: AgentProfile,
  ctx: { baseUrl: string; home: string },
  argv: string[],
): { env: Record<string, string>; argv: string[] } {
  const env = profile.env({ baseUrl: ctx.baseUrl, token: TOKEN_SENTINEL, home: ctx.home });
  if (profile.api === 'none') return { env, argv };
  const keyVar = POD_MODEL_ENV[profile.api].key;
  const exports: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value !== TOKEN_SENTINEL) continue;
    delete env[name];
    if (name !== keyVar) exports.push(`export ${name}="$${keyVar}"`);
  }
  if (exports.length === 0) return { env, argv };
  return { env, argv: ['/bin/sh', '-c', `${exports.join('; ')}; exec "$@"`, 'agent', ...argv] };
}
