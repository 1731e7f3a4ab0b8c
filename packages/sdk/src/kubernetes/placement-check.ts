/**
 * Before a claim is made: does the warm pool (or template) it names exist in that namespace?
 * The controller only says `WarmPoolNotFound` on the claim's Ready condition and keeps waiting,
 * because creating the pool later fixes it; for a caller that mistyped the name or the
 * namespace that wait is minutes of silence. One GET up front turns it into an error naming
 * what exists, here and in other namespaces.
 */
import { AgentSandboxError, callOptions, type AgentSandboxClient } from '@corral/agent-sandbox';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { compact } from '../compact.js';
import { PlacementNotFoundError } from '../errors.js';

const GROUP = 'extensions.agents.x-k8s.io';

type Kind = 'SandboxWarmPool' | 'SandboxTemplate';

const PLURAL: Record<Kind, string> = {
  SandboxWarmPool: 'sandboxwarmpools',
  SandboxTemplate: 'sandboxtemplates',
};

/** Where the pools and templates a placement could mean actually are. */
interface Found {
  here: string[];
  /** `namespace/name` in other namespaces (empty when cluster-wide listing is not allowed). */
  elsewhere: string[];
}

/**
 * Throws `PlacementNotFoundError` when `warmPool` or `template` does not exist in `namespace`.
 * Any other answer (forbidden to read pools, a flaky API) lets the create go on: the claim's
 * own conditions and the ready timeout still report the problem.
 */
export async function checkPlacementExists(
  client: AgentSandboxClient,
  placement: { warmPool?: string | undefined; template?: string | undefined },
  namespace: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  const wanted: [Kind, string][] = [];
  if (placement.warmPool !== undefined) wanted.push(['SandboxWarmPool', placement.warmPool]);
  if (placement.template !== undefined) wanted.push(['SandboxTemplate', placement.template]);
  for (const [kind, name] of wanted) {
    const accessor = kind === 'SandboxWarmPool' ? client.warmPools : client.templates;
    try {
      await accessor.get(name, compact({ namespace, signal }));
      continue;
    } catch (e) {
      if (!(e instanceof AgentSandboxError) || e.code !== 'NOT_FOUND') return;
    }
    const found = await whatExists(client, kind, namespace, signal);
    throw new PlacementNotFoundError(sdkMessage(kind, name, namespace, found), {
      kind,
      objectName: name,
      namespace,
      available: found.here,
      elsewhere: found.elsewhere,
    });
  }
}

async function whatExists(
  client: AgentSandboxClient,
  kind: Kind,
  namespace: string,
  signal: AbortSignal | undefined,
): Promise<Found> {
  const found: Found = { here: [], elsewhere: [] };
  try {
    const version = await client.apiVersionFor(kind);
    const api = client.kubeConfig.makeApiClient(CustomObjectsApi);
    const list = (await api.listCustomObjectForAllNamespaces(
      { group: GROUP, version, plural: PLURAL[kind] },
      callOptions(signal),
    )) as { items?: { metadata?: { name?: string; namespace?: string } }[] };
    for (const item of list.items ?? []) {
      const name = item.metadata?.name;
      if (name === undefined) continue;
      if (item.metadata?.namespace === namespace) found.here.push(name);
      else found.elsewhere.push(`${item.metadata?.namespace ?? ''}/${name}`);
    }
    return found;
  } catch {
    // Not allowed cluster-wide (a namespaced Role): list this namespace alone.
  }
  try {
    const accessor = kind === 'SandboxWarmPool' ? client.warmPools : client.templates;
    for await (const item of accessor.listAll(
      compact({
        namespace,
        signal,
      }),
    )) {
      if (item.metadata?.name !== undefined) found.here.push(item.metadata.name);
    }
  } catch {
    // The error names the missing object either way; the list is a courtesy.
  }
  return found;
}

function sdkMessage(kind: Kind, name: string, namespace: string, found: Found): string {
  const what = kind === 'SandboxWarmPool' ? 'warm pool' : 'template';
  const option = kind === 'SandboxWarmPool' ? 'warmPool' : 'template';
  const fix = namespacesWith(name, found.elsewhere);
  return (
    `${describePlacement(kind, name, namespace, found)} ` +
    (fix.length > 0
      ? `Pass kubernetes: { namespace: ${JSON.stringify(fix[0])} } (it is there).`
      : `Pass kubernetes: { ${option} } naming a ${what} that exists, or kubernetes: { namespace } ` +
        'for the namespace that has it (deploy/ makes corral-runner and corral-runner-cold in ' +
        'corral-sandboxes).')
  );
}

/** "warm pool X not found in namespace Y; pools here: a, b; in other namespaces: ns/c". */
export function describePlacement(
  kind: Kind,
  name: string,
  namespace: string,
  found: { here: readonly string[]; elsewhere: readonly string[] },
): string {
  const what = kind === 'SandboxWarmPool' ? 'warm pool' : 'template';
  const plural = kind === 'SandboxWarmPool' ? 'pools' : 'templates';
  const here = found.here.length > 0 ? found.here.join(', ') : '(none)';
  const elsewhere =
    found.elsewhere.length > 0 ? `; in other namespaces: ${found.elsewhere.join(', ')}` : '';
  return `${what} ${name} not found in namespace ${namespace}; ${plural} here: ${here}${elsewhere}.`;
}

/** The namespaces whose `namespace/name` entries carry this name. */
export function namespacesWith(name: string, elsewhere: readonly string[]): string[] {
  return elsewhere
    .filter((entry) => entry.endsWith(`/${name}`))
    .map((entry) => entry.split('/')[0]!);
}
