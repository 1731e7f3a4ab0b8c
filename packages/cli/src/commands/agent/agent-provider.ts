/**
 * Where `corral agent run` runs, and what each provider needs from the flags and this host —
 * checked before anything is made, so a refusal never leaves a sandbox or claim behind.
 *
 * - `local`: the agent from the install cache, the model reached through the run's gateway,
 *   which holds the key from this process' environment and enforces --max-turns.
 * - `kubernetes`: the agent in the pod's image and the key in the pod (from a Secret, via the
 *   template): this host needs no key and no cache, and whatever only the gateway could
 *   enforce, or only a host path could provide, is refused (docs/agents-kubernetes.md).
 */
import {
  AgentError,
  InvalidAgentOptionsError,
  takesMaxTurns,
  type AgentProfile,
} from '@corral/agents';
import type { CliContext } from '../../context.js';
import type { KubePlacementFlags } from '../../kube/provider.js';
import { checkKubeFlags } from '../create-options.js';

export type AgentProviderName = 'local' | 'kubernetes';

export interface AgentProviderFlags extends KubePlacementFlags {
  provider: string;
  cacheDir?: string;
  maxTurns?: string;
  repo?: string;
}

const KEY_ENV = { anthropic: 'ANTHROPIC_API_KEY', openai: 'OPENAI_API_KEY' } as const;

/** The provider the flags name, once everything it cannot do is ruled out. */
export function checkAgentProvider(
  flags: AgentProviderFlags,
  profile: AgentProfile,
  ctx: Pick<CliContext, 'env'>,
): AgentProviderName {
  const name = flags.provider;
  if (name === 'server')
    throw new InvalidAgentOptionsError(
      "corral agent run does not run on a server's sandboxes: start the task through the server (its console or POST /api/v1/tasks/:id/start), or drop --server and pass --provider local or kubernetes.",
    );
  if (name !== 'local' && name !== 'kubernetes')
    throw new InvalidAgentOptionsError(
      `--provider ${JSON.stringify(name)}: corral agent run runs on local or kubernetes.`,
    );
  checkKubeFlags({ ...flags, provider: name });
  if (name === 'local') {
    checkKey(profile, ctx);
    return name;
  }
  checkKubernetes(flags, profile);
  return name;
}

function checkKubernetes(flags: AgentProviderFlags, profile: AgentProfile): void {
  if (flags.cacheDir !== undefined)
    throw new InvalidAgentOptionsError(
      "--cache-dir is for the local provider: on Kubernetes the agent comes with the pod's image (deploy/agents/Dockerfile). Drop --cache-dir.",
    );
  if (flags.maxTurns !== undefined && !takesMaxTurns(profile))
    throw new InvalidAgentOptionsError(
      `--max-turns cannot be enforced for ${profile.name} on Kubernetes: the agent has no such flag of its own, and no Corral gateway sees its model requests there (the key is in the pod). ` +
        'Drop --max-turns and bound the run with --timeout (and a spend limit on the key), or run it with --provider local.',
    );
  if (flags.repo !== undefined && isLocalPath(flags.repo))
    throw new InvalidAgentOptionsError(
      `--repo ${flags.repo} is a path on this machine, which a pod cannot see. Pass the directory with --workspace (it is copied in), or a git URL the pod can reach.`,
    );
}

function isLocalPath(repo: string): boolean {
  return repo.startsWith('/') || repo.startsWith('file://');
}

/** Locally the run's gateway adds the key on the way out, so this process must hold it. */
function checkKey(profile: AgentProfile, ctx: Pick<CliContext, 'env'>): void {
  if (profile.api === 'none') return;
  const name = KEY_ENV[profile.api];
  if (!ctx.env[name])
    throw new AgentError(
      `${profile.name} needs a model API key: set ${name} (or run with --provider kubernetes, where the key is in a Secret).`,
      { code: 'MISSING_API_KEY' },
    );
}

/** The claim's own reason ("Pod failed") does not say why; on an agent template it is mostly these. */
const POD_DID_NOT_START = new Set(['CLAIM_FAILED', 'SANDBOX_FAILED', 'POD_ENDED_EARLY']);

export function podStartHint(code: string): string | undefined {
  if (!POD_DID_NOT_START.has(code)) return undefined;
  return (
    'The runner pod did not start. An agent template takes the key from a Secret: check that it exists in this namespace ' +
    '(`corral template apply --agent` printed its `kubectl create secret` line), and that the image has the agent; ' +
    '`kubectl get events -n <namespace>` says why the pod failed (docs/agents-kubernetes.md).'
  );
}
