/**
 * `startFakeCluster()`: a protocol-faithful fake Kubernetes API server on a loopback port, with
 * the simulated agent-sandbox controller and kubelet running against its store.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { KubeConfig } from '@kubernetes/client-node';
import { compact } from '@corral/sdk';
import { systemClock } from './clock.js';
import type { Clock } from './clock.js';
import { startAgentSandboxController } from './controller/index.js';
import type { AgentSandboxController, AgentSandboxControllerOptions } from './controller/index.js';
import { startKubelet } from './kubelet/index.js';
import type { Kubelet, KubeletOptions, PodRuntime } from './kubelet/index.js';
import { createProcessRuntime } from './kubelet/process-runtime.js';
import type { ProcessRuntimeOptions } from './kubelet/process-runtime.js';
import type { CrdProfile } from './resources/crd-loader.js';
import type { CrdObject } from './resources/types.js';
import { createApiServer } from './server/api-server.js';
import type { SubresourceHandler } from './server/api-server.js';
import { createFaults } from './server/faults.js';
import type { Faults } from './server/faults.js';
import { kubeconfigYaml, makeKubeConfig, writeKubeconfigFile } from './server/kubeconfig.js';
import { registerPodExec } from './server/pod-exec.js';
import { registerPodLog } from './server/pod-log.js';
import { registerPodPortForward } from './server/pod-portforward.js';
import { routeUpgrades } from './server/upgrade.js';
import { createRequestLog } from './server/request-log.js';
import type { RequestLog } from './server/request-log.js';
import { selfSignedCertificate } from './server/tls.js';
import { createObjectStore } from './store/object-store.js';
import { createFakeNetwork } from './network/fake-network.js';
import type { FakeNetwork, FakeNetworkOptions } from './network/fake-network.js';
import { startGatewayController } from './network/gateway-controller.js';
import type { GatewayController } from './network/gateway-controller.js';
import type { FakeObjectStore } from './store/object-store.js';

export interface FakeClusterOptions {
  /**
   * CRDs to serve: an agent-sandbox profile (`'main'`: v1beta1 storage + deprecated v1alpha1;
   * `'v0.4.6'`, `'v0.1.0'`: v1alpha1 only) or any CRD objects. Default `'main'`.
   */
  crds?: CrdProfile | readonly CrdObject[];
  /** Namespaces that exist at start; kube-system, kube-public and kube-node-lease are always added. Default `['default']`. */
  namespaces?: readonly string[];
  /** Serve HTTPS with a self-signed certificate (made with the `openssl` CLI). Default false. */
  tls?: boolean;
  /** Require `Authorization: Bearer <token>` on every request (the kubeconfig carries it). */
  token?: string;
  /** Events kept for watch resumption; a watch from an older resourceVersion gets 410. Default 1000. */
  watchHistorySize?: number;
  /** Interval of BOOKMARK events on watches with `allowWatchBookmarks=true`. Default 60 000 ms. */
  bookmarkIntervalMs?: number;
  /** Cluster time for timestamps, the controller and the kubelet. Default: the system clock. */
  clock?: Clock;
  /** Options for the simulated agent-sandbox controller, or `false` to run none. */
  controller?: false | Omit<AgentSandboxControllerOptions, 'clock'>;
  /** Options for the simulated kubelet, or `false` to run none (pods then stay Pending). */
  kubelet?: false | FakeKubeletOptions;
  /** Exec over `v5.channel.k8s.io` (Kubernetes ≥ 1.30); `false` simulates an older cluster (v4 only). Default true. */
  execV5?: boolean;
  /** Context, cluster and user name in the kubeconfig. Default `corral-fake`. */
  contextName?: string;
  /** Namespace of the kubeconfig context. Default: the first of `namespaces`, else `default`. */
  namespace?: string;
  /** NetworkPolicy enforcement on connections to pods, and where Corral's client is (decision 0036). */
  networkPolicy?: FakeNetworkOptions;
  /**
   * The simulated Gateway controller (`gateway.networking.k8s.io/v1` Gateways get a loopback
   * address whose listeners are a simulated sandbox-router), or `false` for none. Default on.
   */
  gateways?: false;
}

export interface FakeKubeletOptions extends Omit<KubeletOptions, 'clock' | 'runtime'> {
  /**
   * What runs pods: `'simulated'` (default: nothing runs), `'process'` (pods whose container is
   * the Corral runner really start as local sandboxes with loopback pod IPs; others stay
   * simulated), or any `PodRuntime`.
   */
  runtime?: 'simulated' | 'process' | PodRuntime;
  /** Options of the `'process'` runtime. */
  process?: ProcessRuntimeOptions;
}

export interface FakeCluster extends AsyncDisposable {
  /** `http://127.0.0.1:<port>` (or https). */
  readonly url: string;
  /** A client-node KubeConfig pointing at this cluster, usable as is. */
  readonly kubeConfig: KubeConfig;
  /** The object store behind the API; in-process reads and writes see the same state. */
  readonly store: FakeObjectStore;
  /** Fault injection knobs. */
  readonly faults: Faults;
  /** Every request the server saw. */
  readonly requests: RequestLog;
  /** The simulated controller, unless `controller: false`. */
  readonly controller: AgentSandboxController | undefined;
  /** The simulated kubelet, unless `kubelet: false`. */
  readonly kubelet: Kubelet | undefined;
  /** The pod network's NetworkPolicy enforcement. */
  readonly network: FakeNetwork;
  /** The kubeconfig as YAML text. */
  kubeconfigYaml(): string;
  /** Writes a kubeconfig file (mode 0600) for kubectl and other clients. */
  writeKubeconfig(path: string): Promise<void>;
  /** Adds a handler for `/{resource}/{name}/{subresource}`, e.g. `('pods', 'exec', …)`. */
  registerSubresource(resource: string, subresource: string, handler: SubresourceHandler): void;
  /** Stops the controller and kubelet, ends watches, closes connections and the port. */
  stop(): Promise<void>;
}

export async function startFakeCluster(options: FakeClusterOptions = {}): Promise<FakeCluster> {
  const clock = options.clock ?? systemClock;
  const namespaces = options.namespaces ?? ['default'];
  const store = createObjectStore(
    compact({
      clock,
      namespaces,
      crds: options.crds,
      watchHistorySize: options.watchHistorySize,
    }),
  );
  const faults = createFaults();
  const log = createRequestLog();
  let address = '127.0.0.1:0';
  const api = createApiServer(
    compact({
      store,
      faults,
      log,
      bookmarkIntervalMs: options.bookmarkIntervalMs ?? 60_000,
      serverAddress: () => address,
      token: options.token,
    }),
  );
  // the runtime is made before the kubelet starts, so the pod subresources can reach it
  const kubeletOptions = options.kubelet === false ? undefined : (options.kubelet ?? {});
  const { runtime: runtimeOption, process: processOptions, ...kubeletRest } = kubeletOptions ?? {};
  const network = createFakeNetwork(store, options.networkPolicy);
  const admitConnection = (
    pod: { namespace: string; name: string },
    port: number,
    remote: string | undefined,
  ): boolean =>
    network.check(pod, port, remote) === undefined &&
    (processOptions?.admitConnection?.(pod, port, remote) ?? true);
  // what a kubelet reads for valueFrom.secretKeyRef: the Secret's data (base64) or stringData
  const readSecret = (namespace: string, name: string, key: string): string | undefined => {
    const secret = store.get({ group: '', version: 'v1', resource: 'secrets' }, namespace, name) as
      { data?: Record<string, string>; stringData?: Record<string, string> } | undefined;
    const encoded = secret?.data?.[key];
    if (encoded !== undefined) return Buffer.from(encoded, 'base64').toString('utf8');
    return secret?.stringData?.[key];
  };
  const runtime: PodRuntime | undefined =
    runtimeOption === 'process'
      ? createProcessRuntime({ readSecret, ...processOptions, admitConnection })
      : runtimeOption === 'simulated'
        ? undefined
        : runtimeOption;
  const lookup = (namespace: string, name: string) => runtime?.lookup?.(namespace, name);
  registerPodLog(api, { lookup });
  registerPodExec(api, compact({ lookup, v5: options.execV5 }));
  registerPodPortForward(api, { lookup });

  const tls = options.tls === true ? selfSignedCertificate() : undefined;
  const handler = (req: IncomingMessage, res: ServerResponse): void => api.handle(req, res);
  const server: Server = tls
    ? createHttpsServer({ cert: tls.cert, key: tls.key }, handler)
    : createServer(handler);
  server.keepAliveTimeout = 5_000;
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  // WebSocket subresources (exec, portforward) arrive as upgrades and go through the same pipeline
  routeUpgrades(server, api);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  address = `127.0.0.1:${port}`;
  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const params = {
    url,
    namespace: options.namespace ?? namespaces[0] ?? 'default',
    contextName: options.contextName ?? 'corral-fake',
    ...(tls ? { caPem: tls.cert } : {}),
    ...compact({ token: options.token }),
  };

  const controller =
    options.controller === false
      ? undefined
      : startAgentSandboxController(store, { ...options.controller, clock });
  const kubelet =
    kubeletOptions === undefined
      ? undefined
      : startKubelet(store, {
          ...kubeletRest,
          clock,
          ...compact({ runtime }),
        });

  const gateways: GatewayController | undefined =
    options.gateways === false ? undefined : startGatewayController(store, { network });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      await gateways?.stop();
      await controller?.stop();
      await kubelet?.stop();
      api.closeWatches();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections?.();
        setImmediate(() => {
          for (const s of sockets) s.destroy();
        });
      });
    })();
    return stopping;
  };

  return {
    url,
    kubeConfig: makeKubeConfig(params),
    store,
    faults,
    requests: log,
    controller,
    kubelet,
    network,
    kubeconfigYaml: () => kubeconfigYaml(params),
    writeKubeconfig: (path) => writeKubeconfigFile(path, params),
    registerSubresource: (resource, subresource, h) =>
      api.registerSubresource(resource, subresource, h),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
