/**
 * NetworkPolicy ingress semantics as an enforcing CNI applies them (the evaluation the fake
 * enforces, shared with the provider and doctor), and the fake network's view of who connects.
 */
import { evaluateIngress, type NetworkPolicyLike, type NetworkSource } from '@corral/agent-sandbox';
import { describe, expect, it } from 'vitest';
import { createFakeNetwork } from '../../src/network/fake-network.js';
import { createObjectStore } from '../../src/store/object-store.js';

const POD = { namespace: 'default', labels: { app: 'sbx', tier: 'a' }, port: 8888 };
const OUTSIDE: NetworkSource = { ip: '203.0.113.7' };
const ROUTER: NetworkSource = {
  namespace: 'agent-sandbox-system',
  podLabels: { app: 'sandbox-router' },
};

function policy(name: string, spec: NonNullable<NetworkPolicyLike['spec']>): NetworkPolicyLike {
  return { metadata: { name, namespace: 'default' }, spec };
}

/** Upstream's default template policy: only the router may connect. */
const ROUTER_ONLY = policy('tpl-network-policy', {
  podSelector: { matchLabels: { app: 'sbx' } },
  policyTypes: ['Ingress', 'Egress'],
  ingress: [
    {
      from: [
        {
          namespaceSelector: {
            matchLabels: { 'kubernetes.io/metadata.name': 'agent-sandbox-system' },
          },
          podSelector: { matchLabels: { app: 'sandbox-router' } },
        },
      ],
    },
  ],
});

describe('evaluateIngress', () => {
  it('allows everything when no policy selects the pod', () => {
    const other = policy('other', { podSelector: { matchLabels: { app: 'db' } }, ingress: [] });
    expect(evaluateIngress([other], POD, OUTSIDE)).toEqual({ allowed: true, policies: [] });
  });

  it('ignores a policy of another namespace or one that governs only egress', () => {
    const elsewhere = { ...policy('x', { podSelector: {}, ingress: [] }) };
    elsewhere.metadata = { name: 'x', namespace: 'other' };
    const egressOnly = policy('e', { podSelector: {}, policyTypes: ['Egress'], egress: [] });
    expect(evaluateIngress([elsewhere, egressOnly], POD, OUTSIDE).allowed).toBe(true);
  });

  it('denies all ingress with an empty rule list (policyTypes unset means Ingress)', () => {
    const deny = policy('deny', { podSelector: {} });
    expect(evaluateIngress([deny], POD, ROUTER)).toEqual({
      allowed: false,
      policies: ['default/deny'],
    });
  });

  it('admits the router through namespaceSelector AND podSelector, and nobody else', () => {
    expect(evaluateIngress([ROUTER_ONLY], POD, ROUTER)).toMatchObject({
      allowed: true,
      admittedBy: 'default/tpl-network-policy',
    });
    // outside the cluster: no pod selector can match
    expect(evaluateIngress([ROUTER_ONLY], POD, OUTSIDE)).toEqual({
      allowed: false,
      policies: ['default/tpl-network-policy'],
    });
    // the right labels in the wrong namespace, and the right namespace with the wrong labels
    expect(evaluateIngress([ROUTER_ONLY], POD, { ...ROUTER, namespace: 'default' }).allowed).toBe(
      false,
    );
    expect(
      evaluateIngress([ROUTER_ONLY], POD, { ...ROUTER, podLabels: { app: 'corral' } }).allowed,
    ).toBe(false);
  });

  it('a podSelector alone admits only pods of the policy namespace', () => {
    const sameNs = policy('same', {
      podSelector: {},
      ingress: [{ from: [{ podSelector: { matchLabels: { app: 'corral' } } }] }],
    });
    const corral = { podLabels: { app: 'corral' } };
    expect(evaluateIngress([sameNs], POD, { ...corral, namespace: 'default' }).allowed).toBe(true);
    expect(evaluateIngress([sameNs], POD, { ...corral, namespace: 'corral' }).allowed).toBe(false);
  });

  it('a namespaceSelector alone admits every pod of matching namespaces (by their labels)', () => {
    const byNs = policy('ns', {
      podSelector: {},
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'corral' } } }] }],
    });
    const pod = { namespace: 'corral', podLabels: { any: 'thing' } };
    expect(
      evaluateIngress([byNs], POD, { ...pod, namespaceLabels: { team: 'corral' } }).allowed,
    ).toBe(true);
    expect(evaluateIngress([byNs], POD, pod).allowed).toBe(false);
  });

  it('matchExpressions In, NotIn, Exists, DoesNotExist', () => {
    const expr = (operator: string, values?: string[]) =>
      policy('p', {
        podSelector: {
          matchExpressions: [{ key: 'tier', operator, ...(values ? { values } : {}) }],
        },
        ingress: [],
      });
    const governed = (operator: string, values?: string[]) =>
      evaluateIngress([expr(operator, values)], POD, OUTSIDE).policies.length === 1;
    expect(governed('In', ['a', 'b'])).toBe(true);
    expect(governed('In', ['b'])).toBe(false);
    expect(governed('NotIn', ['b'])).toBe(true);
    expect(governed('NotIn', ['a'])).toBe(false);
    expect(governed('Exists')).toBe(true);
    expect(governed('DoesNotExist')).toBe(false);
  });

  it('ipBlock admits by CIDR minus except, for clients outside the cluster', () => {
    const block = policy('ip', {
      podSelector: {},
      ingress: [{ from: [{ ipBlock: { cidr: '203.0.113.0/24', except: ['203.0.113.128/25'] } }] }],
    });
    expect(evaluateIngress([block], POD, { ip: '203.0.113.7' }).allowed).toBe(true);
    expect(evaluateIngress([block], POD, { ip: '203.0.113.200' }).allowed).toBe(false);
    expect(evaluateIngress([block], POD, { ip: '198.51.100.1' }).allowed).toBe(false);
    expect(evaluateIngress([block], POD, { ip: '::ffff:203.0.113.9' }).allowed).toBe(true);
    // an unknown address is a public one: only a block covering everything admits it
    expect(evaluateIngress([block], POD, {}).allowed).toBe(false);
    const all = policy('all', {
      podSelector: {},
      ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }],
    });
    expect(evaluateIngress([all], POD, {}).allowed).toBe(true);
  });

  it('ports: number, range, name and protocol; a rule without from admits every source', () => {
    const onPorts = (ports: object[]) =>
      policy('ports', { podSelector: {}, ingress: [{ ports: ports }] });
    const at = (ports: object[], target = POD) =>
      evaluateIngress([onPorts(ports)], target, OUTSIDE).allowed;
    expect(at([{ port: 8888 }])).toBe(true);
    expect(at([{ port: 9000 }])).toBe(false);
    expect(at([{ port: 8000, endPort: 9000 }])).toBe(true);
    expect(at([{ protocol: 'UDP', port: 8888 }])).toBe(false);
    expect(at([{ port: 'runner' }], { ...POD, namedPorts: { runner: 8888 } } as never)).toBe(true);
    expect(at([{ port: 'runner' }], { ...POD, namedPorts: { runner: 9999 } } as never)).toBe(false);
    expect(at([{ protocol: 'TCP' }])).toBe(true);
  });

  it('policies add up: one admitting policy is enough', () => {
    const deny = policy('deny', { podSelector: {}, ingress: [] });
    const allowAll = policy('allow', { podSelector: {}, ingress: [{}] });
    expect(evaluateIngress([deny, allowAll], POD, OUTSIDE)).toEqual({
      allowed: true,
      policies: ['default/deny', 'default/allow'],
      admittedBy: 'default/allow',
    });
  });
});

describe('the fake network', () => {
  const PODS = { group: '', version: 'v1', resource: 'pods' };
  const NETPOL = { group: 'networking.k8s.io', version: 'v1', resource: 'networkpolicies' };

  function storeWithPod() {
    const store = createObjectStore({ namespaces: ['default', 'corral'] });
    store.create(PODS, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'default', labels: { app: 'sbx' } },
      spec: {
        containers: [{ name: 'c', image: 'i', ports: [{ name: 'runner', containerPort: 8888 }] }],
      },
    });
    store.patch(PODS, 'default', 'p', { status: { podIP: '127.0.1.9' } }, 'merge', {
      subresource: 'status',
    });
    store.create(NETPOL, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      ...(ROUTER_ONLY as { metadata: { name: string; namespace: string } }),
    });
    return store;
  }

  it('enforces nothing unless asked', () => {
    const net = createFakeNetwork(storeWithPod());
    expect(net.enforcing).toBe(false);
    expect(net.check({ namespace: 'default', name: 'p' }, 8888, '127.0.0.1')).toBeUndefined();
  });

  it('refuses Corral outside the cluster, naming the policy, and admits a registered router', () => {
    const net = createFakeNetwork(storeWithPod(), { enforce: true });
    const refusal = net.check({ namespace: 'default', name: 'p' }, 8888, '127.0.0.1');
    expect(refusal?.policies).toEqual(['default/tpl-network-policy']);
    expect(refusal?.message).toBe(
      'NetworkPolicy default/tpl-network-policy admits no ingress to pod default/p port 8888 ' +
        'from 127.0.0.1 outside the cluster',
    );
    const unregister = net.registerPeer('127.0.250.1', ROUTER);
    expect(net.check({ namespace: 'default', name: 'p' }, 8888, '127.0.250.1')).toBeUndefined();
    unregister();
    expect(net.check({ namespace: 'default', name: 'p' }, 8888, '127.0.250.1')).toBeDefined();
  });

  it('admits the pod itself (port-forward enters its network namespace)', () => {
    const net = createFakeNetwork(storeWithPod(), { enforce: true });
    expect(
      net.check({ namespace: 'default', name: 'p' }, 8888, '::ffff:127.0.1.9'),
    ).toBeUndefined();
  });

  it('reads an in-cluster client namespace labels from the store', () => {
    const store = storeWithPod();
    store.create(NETPOL, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'corral', namespace: 'default' },
      spec: {
        podSelector: {},
        ingress: [
          {
            from: [
              {
                namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'corral' } },
                podSelector: { matchLabels: { app: 'corral' } },
              },
            ],
            ports: [{ port: 'runner' }],
          },
        ],
      },
    });
    const net = createFakeNetwork(store, {
      enforce: true,
      client: { namespace: 'corral', podLabels: { app: 'corral' } },
    });
    expect(net.check({ namespace: 'default', name: 'p' }, 8888, '127.0.0.1')).toBeUndefined();
    expect(net.check({ namespace: 'default', name: 'p' }, 9999, '127.0.0.1')?.message).toMatch(
      /from a pod labelled app=corral in namespace corral$/,
    );
  });
});
