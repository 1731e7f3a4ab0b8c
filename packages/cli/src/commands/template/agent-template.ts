/**
 * `corral template apply NAME --agent claude-code|codex`: the pieces of a SandboxTemplate whose
 * image provides the agent (`deploy/agents/Dockerfile`, at `/opt/corral/agent`) and whose pod
 * takes the model API key from a Secret by reference. The key's value never passes through
 * Corral: the template holds only the Secret's name and key (docs/agents-kubernetes.md).
 */
import { builtinProfiles, POD_MODEL_ENV } from '@corral/agents';
import type { V1EnvVar } from '@kubernetes/client-node';
import { InvalidArgumentError } from '@corral/sdk';

/** The agent images' registry path; the tag is the pinned agent version. */
export const AGENT_IMAGE_REPOSITORY = 'ghcr.io/corral-dev/runner-';
/** One Secret can hold both keys, each under its environment variable's name. */
export const DEFAULT_API_KEY_SECRET = 'corral-agent-keys';

export interface AgentTemplateFlags {
  agent: string;
  apiKeySecret?: string;
  modelUrl?: string;
  image?: string;
}

export interface AgentTemplateParts {
  image: string;
  env: V1EnvVar[];
  labels: Record<string, string>;
  secret: { name: string; key: string };
}

// a Secret name is a DNS-1123 subdomain; a data key is [-._a-zA-Z0-9]+
const SECRET_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

export function agentTemplateParts(flags: AgentTemplateFlags): AgentTemplateParts {
  const imaged = builtinProfiles.filter((p) => p.npm !== undefined && p.api !== 'none');
  const profile = imaged.find((p) => p.name === flags.agent);
  if (profile === undefined || profile.npm === undefined || profile.api === 'none') {
    throw new InvalidArgumentError(
      `--agent ${JSON.stringify(flags.agent)} has no agent image; use one of ${imaged.map((p) => p.name).join(', ')} ` +
        '(a generic command needs your own image: build one FROM the runner image and use --image).',
    );
  }
  const vars = POD_MODEL_ENV[profile.api];
  const secret = parseSecretRef(flags.apiKeySecret ?? DEFAULT_API_KEY_SECRET, vars.key);
  const env: V1EnvVar[] = [
    { name: vars.key, valueFrom: { secretKeyRef: { name: secret.name, key: secret.key } } },
  ];
  if (flags.modelUrl !== undefined)
    env.push({ name: vars.baseUrl, value: modelUrl(flags.modelUrl) });
  return {
    image: flags.image ?? `${AGENT_IMAGE_REPOSITORY}${profile.name}:${profile.npm.version}`,
    env,
    labels: { 'corral.dev/agent': profile.name },
    secret,
  };
}

function parseSecretRef(value: string, defaultKey: string): { name: string; key: string } {
  const slash = value.indexOf('/');
  const name = slash < 0 ? value : value.slice(0, slash);
  const key = slash < 0 ? defaultKey : value.slice(slash + 1);
  if (name.length > 253 || !SECRET_NAME.test(name)) {
    throw new InvalidArgumentError(
      `--api-key-secret ${JSON.stringify(value)}: ${JSON.stringify(name)} is not a Secret name ` +
        '(lower-case letters, digits, "-" and "."); give NAME or NAME/KEY, e.g. corral-agent-keys/ANTHROPIC_API_KEY.',
    );
  }
  if (!SECRET_KEY.test(key)) {
    throw new InvalidArgumentError(
      `--api-key-secret ${JSON.stringify(value)}: ${JSON.stringify(key)} is not a Secret key ` +
        '(letters, digits, "-", "_" and "."); give NAME or NAME/KEY.',
    );
  }
  if (name.startsWith('sk-') || key.startsWith('sk-')) {
    // someone pasted the key itself: refuse before it reaches a template (or the shell history grows)
    throw new InvalidArgumentError(
      '--api-key-secret takes the name of a Secret that holds the key, not the key; ' +
        'create it with: kubectl create secret generic corral-agent-keys --from-literal=ANTHROPIC_API_KEY=<key>',
    );
  }
  return { name, key };
}

function modelUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(
      `--model-url ${JSON.stringify(value)} is not a URL; give e.g. https://api.anthropic.com`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InvalidArgumentError(`--model-url must be http:// or https://, got ${url.protocol}`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new InvalidArgumentError(
      '--model-url must not carry credentials; the key comes from --api-key-secret',
    );
  }
  return value.replace(/\/$/, '');
}
