/**
 * Whether a runner template's NetworkPolicy lets Corral reach its pods the way the CLI's
 * Kubernetes provider will (`auto` connection mode): from this pod straight to the pod IP when
 * Corral runs in the cluster. Outside the cluster Corral uses port-forward, which enters the
 * pod's network namespace and is never filtered, so there is nothing to check there. The
 * evaluation is the one the provider and the fake cluster use (decision 0036).
 */
import {
  DEFAULT_SANDBOX_PORT,
  LABELS,
  describeNetworkSource,
  evaluateIngress,
  nameHash,
  networkPolicyFromClientNode,
  ownPodNetworkSource,
  type NetworkPolicyLike,
  type SandboxTemplate,
} from '@corral/agent-sandbox';
import { CoreV1Api, NetworkingV1Api, type KubeConfig } from '@kubernetes/client-node';

export interface NetworkPathFinding {
  status: 'ok' | 'warn' | 'fail';
  text: string;
  fix?: string;
}

const ROUTER = { namespace: 'agent-sandbox-system', podLabels: { app: 'sandbox-router' } };

/** The labels a pod of `template` has: a live pod's, else the template's plus the controller's. */
async function podLabels(
  core: CoreV1Api,
  ns: string,
  name: string,
  template: SandboxTemplate,
): Promise<Record<string, string>> {
  const hash = `${LABELS.sandboxTemplateRefHash}=${nameHash(name)}`;
  try {
    const pods = await core.listNamespacedPod({ namespace: ns, labelSelector: hash, limit: 1 });
    const live = pods.items[0]?.metadata?.labels;
    if (live !== undefined) return live;
  } catch {
    // no pod list permission: predict the labels instead
  }
  const declared = (template.spec.podTemplate as { metadata?: { labels?: Record<string, string> } })
    .metadata?.labels;
  return { ...declared, [LABELS.sandboxTemplateRefHash]: nameHash(name) };
}

export async function networkPathFindings(
  kubeConfig: KubeConfig,
  ns: string,
  template: SandboxTemplate,
  env: Readonly<Record<string, string | undefined>>,
  signal: AbortSignal,
): Promise<NetworkPathFinding[]> {
  if ((env.KUBERNETES_SERVICE_HOST ?? '') === '') return [];
  const name = template.metadata.name ?? '';
  const source = await ownPodNetworkSource(kubeConfig, env, signal);
  if (source === undefined) return [];
  let policies: NetworkPolicyLike[];
  try {
    const list = await kubeConfig
      .makeApiClient(NetworkingV1Api)
      .listNamespacedNetworkPolicy({ namespace: ns });
    policies = list.items.map(networkPolicyFromClientNode);
  } catch {
    return []; // unreadable policies: the provider then dials directly as well
  }
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const target = {
    namespace: ns,
    labels: await podLabels(core, ns, name, template),
    port: DEFAULT_SANDBOX_PORT,
  };
  const verdict = evaluateIngress(policies, target, source);
  if (verdict.allowed) return [];
  const viaRouter = evaluateIngress(policies, target, ROUTER).allowed;
  const labels = Object.entries(source.podLabels ?? {})
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
  return [
    {
      status: 'warn',
      text:
        `template ${name}: NetworkPolicy ${verdict.policies.join(', ')} refuses Corral's direct ` +
        `path to its pods (port ${target.port}) from ${describeNetworkSource(source)}; Corral ` +
        `falls back to ${viaRouter ? 'the sandbox-router when one is configured, else ' : ''}` +
        'port-forward through the API server',
      fix:
        `Admit Corral in ${name}'s spec.networkPolicy.ingress: from a podSelector {${labels}}` +
        `${source.namespace === ns ? '' : ` with a namespaceSelector for namespace ${source.namespace ?? ''}`}` +
        ` on port ${target.port} (deploy/v1beta1/sandboxtemplate.yaml shows such a rule).`,
    },
  ];
}
