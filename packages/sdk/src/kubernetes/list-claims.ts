/** Listing Corral's claims with the Sandboxes bound to them, in two list calls. */
import {
  LABELS,
  CORRAL_CREATED_BY,
  boundSandboxName,
  type AgentSandboxClient,
  type KubeObject,
} from '@corral/agent-sandbox';
import { checkLabelKey, checkLabelValue } from '../labels.js';

/** Corral's claims, narrowed by `labels` (checked: a bad key or value throws here). */
export function claimSelector(labels: Record<string, string> | undefined): string {
  const selector = [`${LABELS.createdBy}=${CORRAL_CREATED_BY}`];
  for (const [key, value] of Object.entries(labels ?? {})) {
    checkLabelKey(key);
    checkLabelValue(key, value);
    selector.push(`${key}=${value}`);
  }
  return selector.join(',');
}

/** Every claim matching `labelSelector`, each with its bound Sandbox if there is one. */
export async function listClaimsWithSandboxes(
  client: AgentSandboxClient,
  request: { namespace: string; signal?: AbortSignal },
  labelSelector: string,
): Promise<{ claim: KubeObject; sandbox: KubeObject | undefined }[]> {
  const claims: KubeObject[] = [];
  for await (const claim of client.claims.listAll({ ...request, labelSelector })) {
    claims.push(claim);
  }
  const sandboxes = new Map<string, KubeObject>();
  if (claims.length > 0) {
    for await (const sandbox of client.sandboxes.listAll(request)) {
      const name = sandbox.metadata?.name;
      if (name !== undefined) sandboxes.set(name, sandbox);
    }
  }
  return claims.map((claim) => {
    const bound = boundSandboxName(claim);
    return { claim, sandbox: bound === undefined ? undefined : sandboxes.get(bound) };
  });
}
