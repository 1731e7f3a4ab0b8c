/**
 * The fake cluster's pod network as a CNI that enforces NetworkPolicy sees it: every connection
 * the fake proxies to a pod (its pod IP, the simulated sandbox-router) is checked against the
 * pod's policies before a byte reaches the runner. Sources are told apart by their address:
 * simulated in-cluster peers (the router) dial from an address registered here; a pod's own IP is
 * the pod itself (port-forward enters the pod's network namespace, which no policy restricts);
 * anything else is Corral's client, whose place is configurable (default: outside the cluster).
 */
import {
  describeNetworkSource,
  evaluateIngress,
  type NetworkPolicyLike,
  type NetworkSource,
} from '@corral/agent-sandbox';
import type { GroupVersionResource, KubeObject, ObjectStore } from '../store/types.js';

const PODS: GroupVersionResource = { group: '', version: 'v1', resource: 'pods' };
const NAMESPACES: GroupVersionResource = { group: '', version: 'v1', resource: 'namespaces' };
const NETWORK_POLICIES: GroupVersionResource = {
  group: 'networking.k8s.io',
  version: 'v1',
  resource: 'networkpolicies',
};

export interface FakeNetworkOptions {
  /**
   * Refuse connections the pod's NetworkPolicies would refuse on a cluster whose CNI enforces
   * them (Calico, Cilium, …). Default false: existing fixtures dial pod IPs from "outside" with
   * templates whose default policy admits only the router.
   */
  enforce?: boolean;
  /**
   * Where Corral's client is. Default: outside the cluster (only `ipBlock` rules admit it), with
   * the connection's real address as its IP. Give `podLabels` and `namespace` for a client that
   * runs in a pod (an in-cluster orchestrator).
   */
  client?: NetworkSource;
}

export interface NetworkRefusal {
  /** `namespace/name` of the policies that govern the pod's ingress. */
  policies: string[];
  message: string;
}

export interface FakeNetwork {
  readonly enforcing: boolean;
  /** Connections from `ip` come from this in-cluster peer. Returns the unregister function. */
  registerPeer(ip: string, source: NetworkSource): () => void;
  /** The refusal for a connection from `remoteAddress` to the pod's `port`, or undefined. */
  check(
    pod: { namespace: string; name: string },
    port: number,
    remoteAddress: string | undefined,
  ): NetworkRefusal | undefined;
}

const normalize = (ip: string | undefined): string | undefined =>
  ip === undefined ? undefined : (/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1] ?? ip);

function namedPorts(pod: KubeObject): Record<string, number> {
  const out: Record<string, number> = {};
  const containers = ((pod.spec as { containers?: unknown[] } | undefined)?.containers ?? []) as {
    ports?: { name?: string; containerPort?: number }[];
  }[];
  for (const c of containers) {
    for (const p of c.ports ?? []) {
      if (p.name !== undefined && p.containerPort !== undefined) out[p.name] = p.containerPort;
    }
  }
  return out;
}

export function createFakeNetwork(
  store: ObjectStore,
  options: FakeNetworkOptions = {},
): FakeNetwork {
  const peers = new Map<string, NetworkSource>();
  const enforcing = options.enforce === true;
  const namespaceLabels = (name: string | undefined): Record<string, string> =>
    name === undefined ? {} : (store.get(NAMESPACES, undefined, name)?.metadata.labels ?? {});
  return {
    enforcing,
    registerPeer(ip, source) {
      const key = normalize(ip)!;
      peers.set(key, source);
      return () => {
        if (peers.get(key) === source) peers.delete(key);
      };
    },
    check(target, port, remoteAddress) {
      if (!enforcing) return undefined;
      const pod = store.get(PODS, target.namespace, target.name);
      if (pod === undefined) return undefined;
      const remote = normalize(remoteAddress);
      const podIPs = [
        (pod.status as { podIP?: string } | undefined)?.podIP,
        ...((pod.status as { podIPs?: { ip?: string }[] } | undefined)?.podIPs ?? []).map(
          (p) => p.ip,
        ),
      ];
      if (remote !== undefined && podIPs.includes(remote)) return undefined;
      const peer = remote === undefined ? undefined : peers.get(remote);
      const base = peer ?? options.client ?? {};
      const source: NetworkSource = {
        ...base,
        ...(base.ip === undefined && remote !== undefined ? { ip: remote } : {}),
        ...(base.podLabels !== undefined && base.namespaceLabels === undefined
          ? { namespaceLabels: namespaceLabels(base.namespace) }
          : {}),
      };
      let policies: NetworkPolicyLike[];
      try {
        policies = store.list(NETWORK_POLICIES, { namespace: target.namespace }).items;
      } catch {
        // a cluster without the NetworkPolicy API has nothing to enforce
        return undefined;
      }
      const verdict = evaluateIngress(
        policies,
        {
          namespace: target.namespace,
          labels: pod.metadata.labels ?? {},
          port,
          namedPorts: namedPorts(pod),
        },
        source,
      );
      if (verdict.allowed) return undefined;
      return {
        policies: verdict.policies,
        message:
          `NetworkPolicy ${verdict.policies.join(', ')} admits no ingress to pod ` +
          `${target.namespace}/${target.name} port ${port} from ${describeNetworkSource(source)}`,
      };
    },
  };
}
