import { readFile } from 'node:fs/promises';
import { CoreV1Api, type KubeConfig, type V1NetworkPolicy } from '@kubernetes/client-node';
import type { NetworkPolicyLike, NetworkSource } from './ingress.js';

const SA_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/**
 * The pod this process runs in, as a NetworkPolicy source: its name from `POD_NAME` (downward
 * API) or `HOSTNAME` (a pod's default), its namespace from `POD_NAMESPACE` or the service
 * account's namespace file. Undefined outside a pod, or when the pod cannot be read (RBAC).
 */
export async function ownPodNetworkSource(
  kubeConfig: KubeConfig,
  env: Readonly<Record<string, string | undefined>>,
  signal?: AbortSignal,
): Promise<NetworkSource | undefined> {
  const name = env.POD_NAME ?? env.HOSTNAME;
  if (name === undefined || name === '') return undefined;
  try {
    const namespace =
      env.POD_NAMESPACE ??
      (
        await readFile(SA_NAMESPACE_FILE, { encoding: 'utf8', ...(signal ? { signal } : {}) })
      ).trim();
    const pod = await kubeConfig.makeApiClient(CoreV1Api).readNamespacedPod({ name, namespace });
    return { namespace, podLabels: pod.metadata?.labels ?? {} };
  } catch {
    return undefined;
  }
}

/**
 * A NetworkPolicy read through client-node's typed API in the wire form `evaluateIngress`
 * reads: the typed model renames a rule's `from` to `_from` (a reserved word for its generator).
 */
export function networkPolicyFromClientNode(policy: V1NetworkPolicy): NetworkPolicyLike {
  const { spec } = policy;
  return {
    ...(policy.metadata !== undefined ? { metadata: policy.metadata } : {}),
    ...(spec !== undefined
      ? {
          spec: {
            ...spec,
            ingress: (spec.ingress ?? []).map(({ _from, ports }) => ({
              ...(_from !== undefined ? { from: _from } : {}),
              ...(ports !== undefined ? { ports: ports } : {}),
            })),
          },
        }
      : {}),
  };
}
