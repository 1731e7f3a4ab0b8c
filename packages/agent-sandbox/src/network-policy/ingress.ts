/**
 * Would a CNI that enforces `networking.k8s.io/v1` NetworkPolicy let a connection reach a pod?
 * One evaluation shared by the fake cluster (which refuses what this refuses), the Kubernetes
 * provider's `auto` connection mode and `corral doctor`, so all three give the same answer.
 * Only ingress matters to Corral: it opens connections to pods, never the other way round.
 */
import { BlockList, isIP } from 'node:net';
import { matchesLabelSelector, type LabelSelector } from './label-selector.js';

export interface NetworkPolicyPort {
  protocol?: string;
  port?: number | string;
  endPort?: number;
}

export interface NetworkPolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}

export interface NetworkPolicyIngressRule {
  from?: NetworkPolicyPeer[];
  ports?: NetworkPolicyPort[];
}

/** The parts of a NetworkPolicy that decide ingress. */
export interface NetworkPolicyLike {
  metadata?: { name?: string; namespace?: string };
  spec?: {
    podSelector?: LabelSelector;
    policyTypes?: string[];
    ingress?: NetworkPolicyIngressRule[];
    egress?: unknown[];
  };
}

/**
 * Where a connection comes from. With `podLabels` it is a pod in `namespace` (whose labels are
 * `namespaceLabels`, plus the `kubernetes.io/metadata.name` label every namespace carries);
 * without, it comes from outside the cluster, and only `ipBlock` peers can admit it.
 */
export interface NetworkSource {
  namespace?: string;
  namespaceLabels?: Record<string, string>;
  podLabels?: Record<string, string>;
  /** The source address, for `ipBlock` peers. Unknown: counts as a public address. */
  ip?: string;
}

export interface IngressTarget {
  namespace: string;
  /** The pod's labels. */
  labels: Readonly<Record<string, string>>;
  port: number;
  /** @default 'TCP' */
  protocol?: string;
  /** The pod's named container ports, for rules that name a port. */
  namedPorts?: Readonly<Record<string, number>>;
}

export interface IngressVerdict {
  allowed: boolean;
  /** `namespace/name` of every policy that governs ingress to the pod (none: all traffic allowed). */
  policies: string[];
  /** The policy whose rule admits the connection, when one does. */
  admittedBy?: string;
}

const METADATA_NAME = 'kubernetes.io/metadata.name';

/** Ingress is governed when `policyTypes` says so, or (unset) always: the API server's default. */
function governsIngress(policy: NetworkPolicyLike): boolean {
  const types = policy.spec?.policyTypes;
  return types === undefined || types.length === 0 || types.includes('Ingress');
}

function inCidr(ip: string | undefined, cidr: string): boolean {
  const [net, bits] = cidr.split('/');
  const family = isIP(net ?? '');
  const prefix = Number(bits);
  if (family === 0 || !Number.isInteger(prefix)) return false;
  // an unknown address is taken as a public one: only a block covering everything holds it
  if (ip === undefined) return prefix === 0;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1] ?? ip;
  const ipFamily = isIP(mapped);
  if (ipFamily !== family) return false;
  const list = new BlockList();
  list.addSubnet(net!, prefix, family === 4 ? 'ipv4' : 'ipv6');
  return list.check(mapped, family === 4 ? 'ipv4' : 'ipv6');
}

function peerAdmits(
  peer: NetworkPolicyPeer,
  policyNamespace: string,
  source: NetworkSource,
): boolean {
  if (peer.ipBlock !== undefined) {
    const { cidr, except = [] } = peer.ipBlock;
    // with an unknown address, an `except` list cannot be checked: treat the address as outside it
    return (
      inCidr(source.ip, cidr) &&
      !(source.ip !== undefined && except.some((e) => inCidr(source.ip, e)))
    );
  }
  if (peer.podSelector === undefined && peer.namespaceSelector === undefined) return false;
  if (source.podLabels === undefined || source.namespace === undefined) return false;
  if (peer.namespaceSelector !== undefined) {
    const nsLabels = { ...source.namespaceLabels, [METADATA_NAME]: source.namespace };
    if (!matchesLabelSelector(peer.namespaceSelector, nsLabels)) return false;
  } else if (source.namespace !== policyNamespace) {
    // a podSelector alone selects pods of the policy's own namespace
    return false;
  }
  return matchesLabelSelector(peer.podSelector ?? {}, source.podLabels);
}

function portAdmits(rulePort: NetworkPolicyPort, target: IngressTarget): boolean {
  if ((rulePort.protocol ?? 'TCP') !== (target.protocol ?? 'TCP')) return false;
  if (rulePort.port === undefined) return true;
  if (typeof rulePort.port === 'string') {
    const named = target.namedPorts?.[rulePort.port];
    if (named !== undefined) return named === target.port;
    return /^\d+$/.test(rulePort.port) && Number(rulePort.port) === target.port;
  }
  const end = rulePort.endPort ?? rulePort.port;
  return target.port >= rulePort.port && target.port <= end;
}

function ruleAdmits(
  rule: NetworkPolicyIngressRule,
  policyNamespace: string,
  target: IngressTarget,
  source: NetworkSource,
): boolean {
  const ports = rule.ports ?? [];
  if (ports.length > 0 && !ports.some((p) => portAdmits(p, target))) return false;
  const from = rule.from ?? [];
  return from.length === 0 || from.some((peer) => peerAdmits(peer, policyNamespace, source));
}

/**
 * The NetworkPolicy verdict for a connection from `source` to `target`: allowed when no policy
 * governs the pod's ingress, or when a rule of any governing policy admits it (policies add up).
 */
export function evaluateIngress(
  policies: readonly NetworkPolicyLike[],
  target: IngressTarget,
  source: NetworkSource,
): IngressVerdict {
  const governing = policies.filter(
    (p) =>
      (p.metadata?.namespace ?? target.namespace) === target.namespace &&
      governsIngress(p) &&
      matchesLabelSelector(p.spec?.podSelector ?? {}, target.labels),
  );
  const names = governing.map((p) => `${target.namespace}/${p.metadata?.name ?? ''}`);
  if (governing.length === 0) return { allowed: true, policies: names };
  for (const policy of governing) {
    const rules = policy.spec?.ingress ?? [];
    if (rules.some((r) => ruleAdmits(r, target.namespace, target, source))) {
      return {
        allowed: true,
        policies: names,
        admittedBy: `${target.namespace}/${policy.metadata?.name ?? ''}`,
      };
    }
  }
  return { allowed: false, policies: names };
}

/** "a pod labelled app=x in namespace y", "203.0.113.7 outside the cluster": for messages. */
export function describeNetworkSource(source: NetworkSource): string {
  if (source.podLabels !== undefined && source.namespace !== undefined) {
    const labels = Object.entries(source.podLabels)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    return `a pod ${labels === '' ? 'without labels' : `labelled ${labels}`} in namespace ${source.namespace}`;
  }
  return `${source.ip ?? 'a client'} outside the cluster`;
}
