/**
 * A fake cluster to try Corral against by hand or from CI, in its own process: the simulated
 * agent-sandbox controller, a kubelet whose runner pods really run, and a kubeconfig that kubectl,
 * the `corral` CLI and client-node all accept. `kubectl apply -k deploy/v1beta1` works on it as on
 * kind. It is a test double: nothing here authorizes, schedules or isolates like a real cluster.
 */
import { writeFile } from 'node:fs/promises';
import { startFakeCluster } from './cluster.js';
import type { FakeCluster } from './cluster.js';

export interface PlaygroundOptions {
  /** Where to write the kubeconfig (mode 0600). */
  kubeconfigPath: string;
  /** Namespaces that exist at start besides the system ones. Default `['default']`. */
  namespaces?: readonly string[];
  /** `process` (default): runner pods run as local sandboxes; `simulated`: nothing runs. */
  pods?: 'process' | 'simulated';
}

const CONTROLLER_NAMESPACE = 'agent-sandbox-system';

export async function startPlayground(options: PlaygroundOptions): Promise<FakeCluster> {
  const cluster = await startFakeCluster({
    namespaces: [...(options.namespaces ?? ['default']), CONTROLLER_NAMESPACE],
    namespace: options.namespaces?.[0] ?? 'default',
    kubelet: { runtime: options.pods ?? 'process' },
  });
  // What `corral doctor` looks for to tell that the controller is installed: its Deployment, as
  // upstream's release manifest makes it, marked as the simulation it is.
  cluster.store.create(
    { group: 'apps', version: 'v1', resource: 'deployments' },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'agent-sandbox-controller',
        namespace: CONTROLLER_NAMESPACE,
        annotations: { 'corral.dev/simulated': 'the @corral/testing controller, in-process' },
      },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'agent-sandbox-controller' } },
        template: {
          metadata: { labels: { app: 'agent-sandbox-controller' } },
          spec: {
            containers: [
              {
                name: 'agent-sandbox-controller',
                image: 'registry.k8s.io/agent-sandbox/agent-sandbox-controller:simulated',
                args: ['--leader-elect', '--extensions'],
              },
            ],
          },
        },
      },
      status: { replicas: 1, readyReplicas: 1 },
    },
  );
  // exportConfig() keeps `insecure-skip-tls-verify`, which client-node needs for an http:// server.
  await writeFile(options.kubeconfigPath, cluster.kubeConfig.exportConfig(), { mode: 0o600 });
  return cluster;
}
