/**
 * `corral doctor` run by an in-cluster Corral (KUBERNETES_SERVICE_HOST set, its own pod read via
 * POD_NAME/POD_NAMESPACE) reports a runner template whose NetworkPolicy refuses Corral's direct
 * path, naming the policy, and says nothing about one that admits it or when run outside.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GVR,
  NAMESPACE,
  installController,
  installRuntimeClass,
  startTestCluster,
  templateManifest,
} from './helpers/cluster.js';
import type { TestCluster } from './helpers/cluster.js';

const NETPOL = { group: 'networking.k8s.io', version: 'v1', resource: 'networkpolicies' };
const PODS = { group: '', version: 'v1', resource: 'pods' };
const ORCHESTRATOR_LABELS = { 'app.kubernetes.io/name': 'corral-orchestrator' };
const IN_CLUSTER = {
  KUBERNETES_SERVICE_HOST: '10.96.0.1',
  POD_NAME: 'corral-orchestrator-0',
  POD_NAMESPACE: NAMESPACE,
};

interface Report {
  checks: { id: string; status: string; detail: string; fix?: string }[];
}

function runnerTemplate(stdout: string): Report['checks'][number] {
  const found = (JSON.parse(stdout) as Report).checks.find((c) => c.id === 'runner-template');
  if (found === undefined) throw new Error(`no runner-template check in ${stdout}`);
  return found;
}

/** Resolves once the simulated template controller wrote both templates' policies. */
function policiesWritten(cluster: TestCluster, names: string[]): Promise<void> {
  return new Promise((resolve) => {
    const handle: { stop?: () => void } = {};
    let done = false;
    const check = () => {
      const have = cluster.fake.store.list(NETPOL, { namespace: NAMESPACE }).items;
      if (
        !done &&
        names.every((n) => have.some((p) => p.metadata.name === `${n}-network-policy`))
      ) {
        done = true;
        handle.stop?.();
        resolve();
      }
    };
    handle.stop = cluster.fake.store.watch(NETPOL, { namespace: NAMESPACE }, check);
    check();
    if (done) handle.stop();
  });
}

describe('corral doctor and NetworkPolicy', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster();
    installController(cluster);
    installRuntimeClass(cluster);
    const { store } = cluster.fake;
    // upstream's default policy: only the sandbox-router may connect
    store.create(GVR.templates, templateManifest('blocked'));
    const admitted = templateManifest('admitted');
    (admitted.spec as Record<string, unknown>).networkPolicy = {
      ingress: [
        {
          from: [{ podSelector: { matchLabels: ORCHESTRATOR_LABELS } }],
          ports: [{ protocol: 'TCP', port: 8888 }],
        },
      ],
    };
    store.create(GVR.templates, admitted);
    store.create(PODS, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: IN_CLUSTER.POD_NAME, namespace: NAMESPACE, labels: ORCHESTRATOR_LABELS },
      spec: { containers: [{ name: 'orchestrator', image: 'corral/orchestrator:1' }] },
    });
    await policiesWritten(cluster, ['blocked', 'admitted']);
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('in the cluster: warns about the template whose policy refuses Corral, naming it', async () => {
    const json = await cluster.call(['doctor', '-n', NAMESPACE, '-o', 'json'], {
      env: IN_CLUSTER,
    });
    expect(json.code).toBe(0);
    const check = runnerTemplate(json.stdout);
    expect(check.status).toBe('warn');
    expect(check.detail).toContain(
      `template blocked: NetworkPolicy ${NAMESPACE}/blocked-network-policy refuses Corral's direct ` +
        'path to its pods (port 8888) from a pod labelled app.kubernetes.io/name=corral-orchestrator ' +
        `in namespace ${NAMESPACE}; Corral falls back to the sandbox-router when one is configured, ` +
        'else port-forward through the API server',
    );
    expect(check.detail).not.toContain('template admitted');
    expect(check.fix).toContain(
      "Admit Corral in blocked's spec.networkPolicy.ingress: from a podSelector " +
        '{app.kubernetes.io/name: corral-orchestrator} on port 8888',
    );
  }, 60_000);

  it('outside the cluster (port-forward, never filtered): no NetworkPolicy finding', async () => {
    const json = await cluster.call(['doctor', '-n', NAMESPACE, '-o', 'json']);
    const check = runnerTemplate(json.stdout);
    expect(check.detail).not.toContain('NetworkPolicy');
    expect(check.status).toBe('ok');
  }, 60_000);
});
