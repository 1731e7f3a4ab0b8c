/**
 * Which path reaches a sandbox's runner when NetworkPolicy may stand in the way. A cluster whose
 * CNI enforces policies drops what a template's policy does not admit (upstream's default admits
 * only the sandbox-router), and a dropped connection fails only at its timeout. So before dialling
 * the pod IP or the router, the provider evaluates the pod's policies for that path's source:
 * `auto` moves on to the next path (router, then port-forward, which enters the pod's network
 * namespace and is never filtered), an explicit mode fails at once with an error naming the
 * policy. Policies that cannot be read (RBAC) leave the path as it was chosen.
 */
import {
  describeNetworkSource,
  evaluateIngress,
  type IngressVerdict,
  networkPolicyFromClientNode,
  ownPodNetworkSource,
  type NetworkPolicyLike,
  type NetworkSource,
} from '@corral/agent-sandbox';
import { CoreV1Api, NetworkingV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { ConnectionError } from '../errors.js';
import type { ConnectionMode } from './options.js';

export type ConnectionPath = Exclude<ConnectionMode, 'auto'>;

/** Where upstream's router runs (the pods its default template policy admits). */
export const ROUTER_SOURCE: NetworkSource = {
  namespace: 'agent-sandbox-system',
  podLabels: { app: 'sandbox-router' },
};

export interface PathChoice {
  kubeConfig: KubeConfig;
  /** The mode `resolveOptions` picked; with `auto`, the first path to try. */
  mode: ConnectionPath;
  auto: boolean;
  /** Where Corral itself runs, for the direct path; undefined: found out in a pod, else unknown. */
  source: NetworkSource | undefined;
  inCluster: boolean;
  env: Record<string, string | undefined>;
  hasRouter: boolean;
  namespace: string;
  podName: string;
  port: number;
  signal?: AbortSignal | undefined;
}

function namedPorts(pod: V1Pod): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) if (p.name !== undefined) out[p.name] = p.containerPort;
  }
  return out;
}

/** The pod and its namespace's policies, or undefined when either cannot be read. */
async function podAndPolicies(
  c: PathChoice,
): Promise<{ pod: V1Pod; policies: NetworkPolicyLike[] } | undefined> {
  try {
    const [pod, list] = await Promise.all([
      c.kubeConfig
        .makeApiClient(CoreV1Api)
        .readNamespacedPod({ name: c.podName, namespace: c.namespace }),
      c.kubeConfig
        .makeApiClient(NetworkingV1Api)
        .listNamespacedNetworkPolicy({ namespace: c.namespace }),
    ]);
    return { pod, policies: list.items.map(networkPolicyFromClientNode) };
  } catch {
    return undefined;
  }
}

function blockedError(
  path: ConnectionPath,
  verdict: IngressVerdict,
  source: NetworkSource,
  c: PathChoice,
) {
  return new ConnectionError(
    `Connection mode "${path}" cannot reach pod ${c.namespace}/${c.podName}: NetworkPolicy ` +
      `${verdict.policies.join(', ')} admits no ingress on port ${c.port} from ` +
      `${describeNetworkSource(source)}. Add an ingress rule for it to the template's ` +
      `networkPolicy, or use connection mode "port-forward" (or "auto").`,
    { retryable: false },
  );
}

/** The path to use for this sandbox; throws `ConnectionError` naming the policy that blocks an explicit mode. */
export async function chooseConnectionPath(c: PathChoice): Promise<ConnectionPath> {
  // an explicit mode is checked only where the source is known: `direct` when the caller said
  // where Corral runs (a router may run anywhere, so `router`/`gateway` are left alone)
  if (!c.auto && (c.mode !== 'direct' || c.source === undefined)) return c.mode;
  if (c.mode === 'port-forward') return c.mode;
  const candidates: ConnectionPath[] = !c.auto
    ? [c.mode]
    : c.mode === 'direct'
      ? ['direct', ...(c.hasRouter ? (['router'] as const) : []), 'port-forward']
      : [c.mode, 'port-forward'];
  const state = await podAndPolicies(c);
  if (state === undefined) return c.mode;
  const target = {
    namespace: c.namespace,
    labels: state.pod.metadata?.labels ?? {},
    port: c.port,
    namedPorts: namedPorts(state.pod),
  };
  let directSource: NetworkSource | undefined = c.source;
  for (const path of candidates) {
    if (path === 'port-forward') return path;
    let source: NetworkSource | undefined;
    if (path === 'direct') {
      directSource ??= c.inCluster
        ? await ownPodNetworkSource(c.kubeConfig, c.env, c.signal)
        : undefined;
      source = directSource;
    } else {
      source = ROUTER_SOURCE;
    }
    // an unknown source cannot be judged: the path stays as chosen
    if (source === undefined) return path;
    const verdict = evaluateIngress(state.policies, target, source);
    if (verdict.allowed) return path;
    if (!c.auto) throw blockedError(path, verdict, source, c);
  }
  return 'port-forward';
}
