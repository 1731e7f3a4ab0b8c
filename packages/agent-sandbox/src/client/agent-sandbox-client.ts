import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { InformerFactory } from '../cache/informer-factory.js';
import type { InformerOptions, SharedInformer } from '../cache/shared-informer.js';
import {
  resolveClaimRequest,
  type ClaimRequest,
  type ClaimSpecFragment,
} from '../discovery/claim-request.js';
import {
  chooseVersion,
  discoverServedVersions,
  type ServedVersions,
} from '../discovery/served-versions.js';
import { ConfigNotFoundError } from '../errors/config-errors.js';
import type { RetryOptions } from '../errors/retry.js';
import { loadKubeConfig } from '../kubeconfig/load-kube-config.js';
import { RESOURCES, type ApiVersionName, type SandboxKind } from '../resources.js';
import type { BackoffPolicy } from '../watch/backoff.js';
import { realClock, type Clock } from '../watch/clock.js';
import type { ResourceWatchSource } from '../watch/types.js';
import type { WatchSourceProvider } from '../watch/watch-resource.js';
import type { KindInput, KindObject } from './kind-types.js';
import { ResourceClient } from './resource-client.js';
import type { KubeObject } from './types.js';

export interface AgentSandboxClientOptions {
  /** A loaded KubeConfig. Unset: `loadKubeConfig()` (KUBECONFIG, ~/.kube/config, in-cluster). */
  kubeConfig?: KubeConfig;
  /** Load this kubeconfig file instead of the default search. */
  kubeconfigPath?: string;
  /** Context to use (must exist in the kubeconfig). */
  context?: string;
  /** Namespace for calls that do not name one. Default: the context's, else `default`. */
  namespace?: string;
  /** Server-side-apply and write field manager. Default `corral`. */
  fieldManager?: string;
  /**
   * `auto` (default): discover what the cluster serves and speak v1beta1 when it can,
   * v1alpha1 otherwise. A fixed version skips discovery.
   */
  apiVersion?: 'auto' | ApiVersionName;
  /** Time source for backoff, timeouts and watchdogs. */
  clock?: Clock;
  /** Retry policy for idempotent calls (get, list, apply). `false` disables. */
  retry?: { maxAttempts?: number; backoff?: BackoffPolicy } | false;
  /** Reconnect and liveness settings of watches and informers. */
  watch?: { backoff?: BackoffPolicy; timeoutSeconds?: number; watchdogMs?: number };
}

type Accessor<K extends SandboxKind> = ResourceClient<KindObject<K>, KindInput<K>>;

/**
 * Typed access to the four agent-sandbox kinds, plus shared informers and version discovery.
 * Create it with `createAgentSandboxClient()`.
 */
export class AgentSandboxClient implements WatchSourceProvider {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  readonly fieldManager: string;
  readonly clock: Clock;
  readonly sandboxes: Accessor<'Sandbox'>;
  readonly claims: Accessor<'SandboxClaim'>;
  readonly templates: Accessor<'SandboxTemplate'>;
  readonly warmPools: Accessor<'SandboxWarmPool'>;
  private readonly fixedVersion: ApiVersionName | undefined;
  private discovery: Promise<ServedVersions> | undefined;
  private readonly informers: InformerFactory;
  private readonly byKind: Record<SandboxKind, ResourceClient<KubeObject>>;

  constructor(kubeConfig: KubeConfig, namespace: string, options: AgentSandboxClientOptions = {}) {
    this.kubeConfig = kubeConfig;
    this.namespace = namespace;
    this.fieldManager = options.fieldManager ?? 'corral';
    this.clock = options.clock ?? realClock;
    this.fixedVersion = options.apiVersion === 'auto' ? undefined : options.apiVersion;
    const api = kubeConfig.makeApiClient(CustomObjectsApi);
    const retry: Omit<RetryOptions, 'signal'> | false =
      options.retry === false ? false : { ...options.retry, clock: this.clock };
    const make = <K extends SandboxKind>(kind: K): Accessor<K> =>
      new ResourceClient({
        api,
        kubeConfig,
        descriptor: RESOURCES[kind],
        version: () => this.apiVersionFor(kind),
        defaultNamespace: namespace,
        fieldManager: this.fieldManager,
        retry,
      });
    this.sandboxes = make('Sandbox');
    this.claims = make('SandboxClaim');
    this.templates = make('SandboxTemplate');
    this.warmPools = make('SandboxWarmPool');
    this.byKind = {
      Sandbox: this.sandboxes,
      SandboxClaim: this.claims,
      SandboxTemplate: this.templates,
      SandboxWarmPool: this.warmPools,
    };
    this.informers = new InformerFactory(this, { ...options.watch, clock: this.clock }, namespace);
  }

  /** The accessor for `kind`. */
  resource<K extends SandboxKind>(kind: K): Accessor<K> {
    return this.byKind[kind] as unknown as Accessor<K>;
  }

  /** What the cluster serves (discovered once per client, on first use). */
  servedVersions(options: { signal?: AbortSignal } = {}): Promise<ServedVersions> {
    if (this.discovery === undefined) {
      const pending = discoverServedVersions(this.kubeConfig, options);
      this.discovery = pending;
      // A failed or aborted discovery is not cached: the next call tries again.
      pending.catch(() => {
        if (this.discovery === pending) this.discovery = undefined;
      });
    }
    return this.discovery;
  }

  /** The version requests for `kind` are sent in. */
  async apiVersionFor(kind: SandboxKind): Promise<ApiVersionName> {
    if (this.fixedVersion !== undefined) return this.fixedVersion;
    return chooseVersion(await this.servedVersions(), RESOURCES[kind].group);
  }

  /**
   * The `spec` fragment for a claim "from warm pool X" or "from template Y" in the version the
   * cluster serves. Throws `UnsupportedRequestError` when the served version cannot express it.
   */
  async claimSpecFor(
    request: ClaimRequest,
    options: { namespace?: string; signal?: AbortSignal } = {},
  ): Promise<ClaimSpecFragment> {
    const version = await this.apiVersionFor('SandboxClaim');
    return resolveClaimRequest(request, version, async (pool) => {
      try {
        const found = await this.warmPools.get(pool, options);
        return found.spec.sandboxTemplateRef.name;
      } catch (e) {
        if ((e as { code?: unknown }).code === 'NOT_FOUND') return undefined;
        throw e;
      }
    });
  }

  watchSource(kind: SandboxKind, namespace?: string): ResourceWatchSource {
    return this.byKind[kind].watchSource(namespace);
  }

  /**
   * The shared informer for (kind, namespace, selectors): one list and one watch however many
   * callers use it. Each call takes a reference; give it back with `informer.release()`.
   */
  informer<K extends SandboxKind>(
    kind: K,
    options: Omit<InformerOptions, 'clock'> = {},
  ): SharedInformer<KindObject<K>> {
    return this.informers.acquire<KindObject<K>>(kind, options);
  }

  /** Number of shared informers running. */
  get informerCount(): number {
    return this.informers.size;
  }

  /** Stops every informer this client started. */
  close(): void {
    this.informers.stopAll();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** Builds a client from options, loading the kubeconfig when none is given. */
export function createAgentSandboxClient(
  options: AgentSandboxClientOptions = {},
): AgentSandboxClient {
  if (options.kubeConfig === undefined) {
    const loaded = loadKubeConfig({
      ...(options.kubeconfigPath !== undefined ? { kubeconfigPath: options.kubeconfigPath } : {}),
      ...(options.context !== undefined ? { context: options.context } : {}),
      ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
    });
    return new AgentSandboxClient(loaded.kubeConfig, loaded.namespace, options);
  }
  const kc = options.kubeConfig;
  if (options.context !== undefined) {
    const names = kc.getContexts().map((c) => c.name);
    if (!names.includes(options.context)) {
      throw new ConfigNotFoundError(
        `Context "${options.context}" is not in the given KubeConfig. Available contexts: ${names.join(', ') || '(none)'}.`,
      );
    }
    kc.setCurrentContext(options.context);
  }
  const namespace =
    options.namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
  return new AgentSandboxClient(kc, namespace, options);
}
