/**
 * TEST-DOUBLE MAPPING, not product behaviour: on a real cluster an agent image
 * (`ghcr.io/corral-dev/runner-claude-code:2.1.332`, built from `deploy/agents/Dockerfile`) has
 * the agent installed at `/opt/corral/agent`. The fake cluster pulls no images, so a runner pod
 * whose image is named like that gets the same version from the local agent install cache
 * (`corral agent install`), bound read-only at that path — the layout the cache and the image
 * share (`<dir>/node_modules/...`).
 */
import { accessSync } from 'node:fs';
import { join } from 'node:path';

/** Host directory to bind read-only at `/opt/corral/agent` for `image`, undefined for other images; throws when an agent image's stand-in is missing. */
export type AgentImageResolver = (image: string) => string | undefined;

/** `…/runner-<profile>:<version>` (an optional `@sha256:…` digest is ignored). */
const AGENT_IMAGE = /(?:^|\/)runner-([a-z0-9][a-z0-9-]*):([0-9][\w.+-]*)(?:@sha256:[0-9a-f]+)?$/;

export function parseAgentImage(image: string): { profile: string; version: string } | undefined {
  const match = AGENT_IMAGE.exec(image.toLowerCase());
  return match === null ? undefined : { profile: match[1]!, version: match[2]! };
}

/** Resolves agent images against `cacheDir` (default `CORRAL_AGENT_CACHE`, else `/var/cache/corral-agents`). */
export function agentCacheImages(
  cacheDir = process.env.CORRAL_AGENT_CACHE ?? '/var/cache/corral-agents',
): AgentImageResolver {
  return (image) => {
    const parsed = parseAgentImage(image);
    if (parsed === undefined) return undefined;
    const dir = join(cacheDir, `${parsed.profile}@${parsed.version}`);
    try {
      // the install cache marks a finished install (agents' install.ts)
      accessSync(join(dir, '.corral-installed'));
      return dir;
    } catch {
      // a real node would fail the pull; here the image's stand-in is missing
      throw new Error(
        `image ${image}: the fake cluster provides agent images from the local agent cache, ` +
          `and ${parsed.profile}@${parsed.version} is not in ${cacheDir}; run \`corral agent install ${parsed.profile}\``,
      );
    }
  };
}
