/**
 * The Kubernetes provider: a sandbox is an agent-sandbox `SandboxClaim` (its id is the claim
 * name). Claims always carry a safety net (shutdownTime, `Delete` policy, TTL after finish) so a
 * crashed caller leaks nothing for long, and every failure after the create deletes the claim.
 */
import {
  AgentSandboxError,
  ANNOTATIONS,
  LABELS,
  CORRAL_CREATED_BY,
  boundSandboxName,
  buildSandboxClaim,
  createAgentSandboxClient,
  isReady,
  translateError,
  waitForClaimReady,
  waitForDeleted,
  waitForFinished,
  ClaimFailedError,
  WaitTimeoutError,
  type AgentSandboxClient,
  type ApiVersionName,
  type ClaimReady,
  type HasConditions,
  type InformerProvider,
  type KindObject,
  type KubeObject,
  type SharedInformer,
} from '@corral/agent-sandbox';
import { CoreV1Api } from '@kubernetes/client-node';
import {
  AbortedError,
  ConnectionError,
  CorralError,
  InvalidArgumentError,
  ProviderClosedError,
  SandboxEndedError,
  SandboxNotFoundError,
  SandboxNotReadyError,
} from '../errors.js';
import type {
  ProviderCapabilities,
  ProvisionedSandbox,
  RunnerEndpoint,
  SandboxExit,
  SandboxInfo,
  SandboxProvider,
} from '../provider.js';
import { checkLabelKey, checkLabelValue, sandboxLabels } from '../labels.js';
import { directEndpoint, routerEndpoint, type EndpointTarget } from './endpoint.js';
import { toSdkError } from './errors-map.js';
import { execInPod, type ExecOptions, type ExecResult } from './exec.js';
import { gatewayBaseUrl, resolveGatewayAddress } from './gateway.js';
import { chooseConnectionPath } from './connection-path.js';
import { PROVIDER_NAME, podIPsOf, podNameOf, serviceFqdnOf, toSandboxInfo } from './info.js';
import { podLogLines, type LogsOptions } from './logs.js';
import { checkClaimName, generateClaimName, rfc3339Micro } from './names.js';
import {
  resolveOptions,
  type KubernetesCreateOptions,
  type KubernetesProviderOptions,
  type ResolvedOptions,
} from './options.js';
import { startPortForward, type PortForwardServer } from './port-forward.js';
import {
  installSignalCleanup,
  type SignalCleanupDisposer,
  type SignalCleanupOptions,
} from './signal-cleanup.js';

interface Ref {
  namespace: string;
  name: string;
  /** `name`, or `namespace/name` outside the provider's namespace. */
  id: string;
}

interface Caches {
  claims: SharedInformer<KindObject<'SandboxClaim'>>;
  sandboxes: SharedInformer<KindObject<'Sandbox'>>;
}

/** The waiters read objects structurally; a kind-typed cache serves them as is. */
function asCache(informer: SharedInformer<KindObject<'SandboxClaim'>>): SharedInformer {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- needed by older @corral/agent-sandbox typings
  return informer as unknown as SharedInformer;
}

/**
 * `AgentSandboxClient` is an `InformerProvider`; older revisions of `@corral/agent-sandbox` typed
 * `InformerProvider.informer` so that the client did not type-check as one. Drop this once the
 * fixed typing (kind-generic `informer<K>()`) is committed.
 */
function informers(client: AgentSandboxClient): InformerProvider {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- see above
  return client as unknown as InformerProvider;
}

export interface DeleteSandboxOptions {
  /** Foreground propagation, and wait until the claim and its dependents are gone. */
  foreground?: boolean;
  /** Budget for the foreground wait. @default the provider's cleanupTimeoutMs */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface SuspendOptions {
  /** Budget for the pod to go (suspend) or come back Ready (resume). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** The object is not there: the API's 404 or the SDK's missing sandbox. */
function isNotFound(e: unknown): boolean {
  return (
    (e instanceof AgentSandboxError && e.code === 'NOT_FOUND') || e instanceof SandboxNotFoundError
  );
}

/** Errors after which a create may still have reached the server (the claim may exist). */
function createMayHaveLanded(e: unknown, signal: AbortSignal | undefined): boolean {
  if (signal?.aborted === true) return true;
  return (
    e instanceof AgentSandboxError &&
    (e.code === 'CONNECTION_FAILED' || e.code === 'SERVER_ERROR' || e.code === 'TOO_MANY_REQUESTS')
  );
}

export class KubernetesProvider implements SandboxProvider {
  readonly name = PROVIDER_NAME;
  readonly client: AgentSandboxClient;
  readonly #options: ResolvedOptions;
  /** Claims this provider created and has not deleted, by id. */
  readonly #created = new Map<string, Ref>();
  readonly #forwards = new Map<string, Promise<PortForwardServer>>();
  readonly #caches = new Map<string, Caches>();
  readonly #requestedNetwork = new Map<string, KubernetesCreateOptions['network']>();
  #gatewayAddress: Promise<string> | undefined;
  #signalCleanup: SignalCleanupDisposer | undefined;
  #closed = false;

  constructor(options: KubernetesProviderOptions = {}) {
    this.#options = resolveOptions(options);
    try {
      this.client = createAgentSandboxClient({
        ...(options.kubeConfig !== undefined ? { kubeConfig: options.kubeConfig } : {}),
        ...(options.kubeconfigPath !== undefined ? { kubeconfigPath: options.kubeconfigPath } : {}),
        ...(options.context !== undefined ? { context: options.context } : {}),
        ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
        ...(options.clock !== undefined ? { clock: options.clock } : {}),
        apiVersion: options.apiVersion ?? 'auto',
      });
    } catch (e) {
      throw toSdkError(e, { doing: 'Loading the Kubernetes configuration' });
    }
    if (options.cleanupOnSignal === true) this.enableSignalCleanup();
  }

  /** The namespace claims go to unless `create({ namespace })` says otherwise. */
  get namespace(): string {
    return this.client.namespace;
  }

  /** The `corral.dev/owner` label value of claims created without `owner`. */
  get owner(): string {
    return this.#options.owner;
  }

  /** The connection mode in use (`auto` resolved). */
  get connectionMode(): ResolvedOptions['connection']['mode'] {
    return this.#options.connection.mode;
  }

  /** Ids of the claims this provider created and has not deleted. */
  get createdIds(): string[] {
    return [...this.#created.keys()];
  }

  capabilities(): ProviderCapabilities {
    return {
      isolation: 'pod',
      network: ['full'],
      resourceLimits: false,
      warmPool: true,
      suspend: true,
      persistent: true,
    };
  }

  async create(options: KubernetesCreateOptions = {}): Promise<ProvisionedSandbox> {
    this.#checkOpen();
    const { signal } = options;
    const ref = this.#ref(options.id ?? generateClaimName(), options.namespace);
    const doing = `Creating sandbox ${ref.id}`;
    if (signal?.aborted === true) {
      throw new AbortedError(`${doing}: aborted.`, { cause: signal.reason });
    }
    const claim = await this.#buildClaim(ref, options).catch((e: unknown) => {
      throw toSdkError(e, { signal, doing });
    });
    const caches = this.#cachesFor(ref.namespace);
    try {
      await this.client.claims.create(claim as never, {
        namespace: ref.namespace,
        ...(signal !== undefined ? { signal } : {}),
      });
    } catch (e) {
      if (createMayHaveLanded(e, signal)) await this.#rollback(ref);
      throw toSdkError(e, { signal, doing });
    }
    this.#created.set(ref.id, ref);
    if (options.network !== undefined) this.#requestedNetwork.set(ref.id, options.network);
    try {
      const ready = await waitForClaimReady(informers(this.client), ref.name, {
        namespace: ref.namespace,
        cache: asCache(caches.claims),
        timeoutMs: options.timeoutMs ?? this.#options.readyTimeoutMs,
        ...(signal !== undefined ? { signal } : {}),
      });
      signal?.throwIfAborted();
      const endpoint = await this.#endpointFor(ref, this.#target(ref, ready), signal);
      signal?.throwIfAborted();
      return {
        info: toSandboxInfo(ready.claim, ready.sandbox, {
          id: ref.id,
          namespace: ref.namespace,
          requestedNetwork: options.network,
          limitsRequested: options.limits !== undefined && Object.keys(options.limits).length > 0,
        }),
        endpoint,
      };
    } catch (e) {
      const rollbackError = await this.#rollback(ref);
      const error = toSdkError(e, { signal, doing });
      if (rollbackError !== undefined) {
        throw new CorralError(
          `${error.message} Deleting the half-made claim ${ref.namespace}/${ref.name} also failed ` +
            `(${rollbackError.message}); its lifecycle.shutdownTime will remove it.`,
          { code: error.code, retryable: error.retryable, cause: error },
        );
      }
      throw error;
    }
  }

  async get(
    id: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<ProvisionedSandbox | undefined> {
    this.#checkOpen();
    const ref = this.#parseId(id);
    const { signal } = options;
    const doing = `Reading sandbox ${ref.id}`;
    let claim: KubeObject;
    try {
      claim = await this.client.claims.get(ref.name, this.#req(ref, signal));
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw toSdkError(e, { signal, doing });
    }
    if (claim.metadata?.deletionTimestamp !== undefined) return undefined;
    const sandboxName = boundSandboxName(claim);
    let sandbox: KubeObject | undefined;
    if (sandboxName !== undefined) {
      try {
        sandbox = await this.client.sandboxes.get(sandboxName, this.#req(ref, signal));
      } catch (e) {
        if (!isNotFound(e)) throw toSdkError(e, { signal, doing });
      }
    }
    const info = toSandboxInfo(claim, sandbox, {
      id: ref.id,
      namespace: ref.namespace,
      requestedNetwork: this.#requestedNetwork.get(ref.id),
    });
    if (sandboxName === undefined) {
      throw new SandboxNotReadyError(
        `${doing}: claim ${ref.namespace}/${ref.name} is not bound to a Sandbox yet ` +
          `(Ready reason: ${info.metadata.readyReason ?? 'none'}). Try again when it is Ready.`,
      );
    }
    const endpoint = await this.#endpointFor(
      ref,
      {
        sandboxName,
        namespace: ref.namespace,
        podIPs: podIPsOf(claim, sandbox),
        serviceFQDN: serviceFqdnOf(sandbox),
        port: this.#options.connection.port,
        runnerToken: this.#options.connection.runnerToken,
        podName: podNameOf(sandboxName, sandbox),
      },
      signal,
    ).catch((e: unknown) => {
      throw toSdkError(e, { signal, doing });
    });
    return { info, endpoint };
  }

  async list(
    options: { labels?: Record<string, string>; namespace?: string; signal?: AbortSignal } = {},
  ): Promise<SandboxInfo[]> {
    this.#checkOpen();
    const namespace = options.namespace ?? this.namespace;
    const { signal } = options;
    const selector = [`${LABELS.createdBy}=${CORRAL_CREATED_BY}`];
    for (const [key, value] of Object.entries(options.labels ?? {})) {
      checkLabelKey(key);
      checkLabelValue(key, value);
      selector.push(`${key}=${value}`);
    }
    const request = { namespace, ...(signal !== undefined ? { signal } : {}) };
    try {
      const claims: KubeObject[] = [];
      for await (const claim of this.client.claims.listAll({
        ...request,
        labelSelector: selector.join(','),
      })) {
        claims.push(claim);
      }
      const sandboxes = new Map<string, KubeObject>();
      if (claims.length > 0) {
        for await (const sandbox of this.client.sandboxes.listAll(request)) {
          const name = sandbox.metadata?.name;
          if (name !== undefined) sandboxes.set(name, sandbox);
        }
      }
      return claims.map((claim) => {
        const ref = this.#ref(claim.metadata?.name ?? '', namespace);
        const bound = boundSandboxName(claim);
        return toSandboxInfo(claim, bound === undefined ? undefined : sandboxes.get(bound), {
          id: ref.id,
          namespace,
          requestedNetwork: this.#requestedNetwork.get(ref.id),
        });
      });
    } catch (e) {
      throw toSdkError(e, { signal, doing: `Listing sandboxes in namespace ${namespace}` });
    }
  }

  /**
   * Deletes the claim (the controller's owner references take the Sandbox, pod and Service
   * with it). Idempotent. With `foreground`, waits until the claim and its dependents are gone.
   */
  async delete(id: string, options: DeleteSandboxOptions = {}): Promise<void> {
    const ref = this.#parseId(id);
    const { signal } = options;
    const doing = `Deleting sandbox ${ref.id}`;
    await this.#closeForward(ref.id);
    try {
      const result = await this.client.claims.delete(ref.name, {
        ...this.#req(ref, signal),
        ...(options.foreground === true ? { propagationPolicy: 'Foreground' as const } : {}),
      });
      if (options.foreground === true && result.status === 'pending') {
        await waitForDeleted(informers(this.client), 'SandboxClaim', ref.name, {
          namespace: ref.namespace,
          timeoutMs: options.timeoutMs ?? this.#options.cleanupTimeoutMs,
          ...(this.#closed ? {} : { cache: asCache(this.#cachesFor(ref.namespace).claims) }),
          ...(signal !== undefined ? { signal } : {}),
        });
      }
    } catch (e) {
      if (!isNotFound(e)) throw toSdkError(e, { signal, doing });
    }
    this.#created.delete(ref.id);
    this.#requestedNetwork.delete(ref.id);
  }

  /** Stops the sandbox's pod and keeps its claim, Sandbox, Service and volumes. */
  async suspend(id: string, options: SuspendOptions = {}): Promise<SandboxInfo> {
    return this.#setRunning(id, false, options);
  }

  /** Starts a new pod for a suspended sandbox; the pod IP changes, so use the returned endpoint. */
  async resume(id: string, options: SuspendOptions = {}): Promise<ProvisionedSandbox> {
    await this.#setRunning(id, true, options);
    const provisioned = await this.get(
      id,
      options.signal !== undefined ? { signal: options.signal } : {},
    );
    if (provisioned === undefined) {
      throw new SandboxNotFoundError(`Sandbox ${id} disappeared while resuming.`);
    }
    return provisioned;
  }

  /**
   * Resolves when the sandbox's pod has ended (`Finished=True`, or `Ready=False` with reason
   * `PodSucceeded`/`PodFailed`); the rule is agent-sandbox's `waitForFinished`. Rejects with
   * `SandboxNotFoundError` when the claim is deleted first, and with code `SANDBOX_ENDED`
   * when the claim can never finish (e.g. it expired).
   */
  async waitTerminal(id: string, options: { signal?: AbortSignal } = {}): Promise<SandboxExit> {
    this.#checkOpen();
    const ref = this.#parseId(id);
    const { signal } = options;
    const doing = `Waiting for sandbox ${ref.id} to finish`;
    try {
      const claims = this.#cachesFor(ref.namespace).claims;
      await claims.synced(signal !== undefined ? { signal } : {});
      if (claims.get(ref.name) === undefined) {
        throw new SandboxNotFoundError(
          `${doing}: there is no SandboxClaim ${ref.namespace}/${ref.name}. Check the id with list().`,
        );
      }
      const finished = await waitForFinished(informers(this.client), 'SandboxClaim', ref.name, {
        namespace: ref.namespace,
        cache: asCache(claims),
        ...(signal !== undefined ? { signal } : {}),
      });
      return {
        succeeded: finished.reason === 'PodSucceeded',
        reason: finished.reason,
        ...(finished.message !== undefined ? { message: finished.message } : {}),
      };
    } catch (e) {
      if (e instanceof ClaimFailedError && signal?.aborted !== true) {
        throw new SandboxEndedError(
          `${doing}: the sandbox can never finish (${e.message}). Create a new one.`,
          { cause: e },
        );
      }
      throw toSdkError(e, { signal, doing });
    }
  }

  /** Lines of the sandbox pod's log; with `follow`, until the container ends or `signal` aborts. */
  logs(id: string, options: LogsOptions = {}): AsyncIterable<string> {
    const target = () => this.#podTarget(id, options.container, options.signal);
    const kubeConfig = this.client.kubeConfig;
    return {
      async *[Symbol.asyncIterator]() {
        yield* podLogLines(kubeConfig, await target(), options);
      },
    };
  }

  /**
   * Runs `argv` in the sandbox pod through the Kubernetes exec API (no shell unless you ask for
   * one: `['sh', '-c', '...']`). For images without Corral's runner.
   */
  async exec(id: string, argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    if (argv.length === 0) {
      throw new InvalidArgumentError('exec needs a command: pass argv like ["ls", "-l"].');
    }
    const target = await this.#podTarget(id, options.container, options.signal);
    return execInPod(this.client.kubeConfig, target, argv, options);
  }

  /** Deletes every claim this provider created and has not deleted yet. */
  async deleteAllCreated(): Promise<void> {
    const refs = [...this.#created.values()];
    const results = await Promise.allSettled(
      refs.map((ref) =>
        this.delete(ref.id, { signal: AbortSignal.timeout(this.#options.cleanupTimeoutMs) }),
      ),
    );
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    if (failures.length > 0) {
      throw new CorralError(`Deleting ${failures.length} of ${refs.length} sandbox(es) failed.`, {
        code: 'CLEANUP_FAILED',
        cause: failures.length === 1 ? failures[0] : new AggregateError(failures),
      });
    }
  }

  /**
   * On SIGINT/SIGTERM, deletes every claim this provider created, then re-raises the signal.
   * Returns the disposer (also called by `close()`).
   */
  enableSignalCleanup(options: SignalCleanupOptions = {}): SignalCleanupDisposer {
    this.#signalCleanup?.();
    const disposer = installSignalCleanup(() => this.deleteAllCreated(), options);
    this.#signalCleanup = disposer;
    return disposer;
  }

  /** Closes port-forwards and informers. Sandboxes stay; delete them first if they should go. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#signalCleanup?.();
    this.#signalCleanup = undefined;
    await Promise.allSettled([...this.#forwards.keys()].map((id) => this.#closeForward(id)));
    for (const caches of this.#caches.values()) {
      caches.claims.release();
      caches.sandboxes.release();
    }
    this.#caches.clear();
    this.client.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ---- internals ----

  #checkOpen(): void {
    if (this.#closed) {
      throw new ProviderClosedError(
        'This Kubernetes provider is closed; create a new one with createKubernetesProvider().',
      );
    }
  }

  #ref(name: string, namespace: string | undefined): Ref {
    const ns = namespace ?? this.namespace;
    checkClaimName(name);
    checkClaimName(ns, 'namespace');
    return { namespace: ns, name, id: ns === this.namespace ? name : `${ns}/${name}` };
  }

  #parseId(id: string): Ref {
    if (typeof id !== 'string' || id === '') {
      throw new InvalidArgumentError('A sandbox id is a claim name, e.g. "corral-1a2b3c4d".');
    }
    const slash = id.indexOf('/');
    return slash === -1
      ? this.#ref(id, undefined)
      : this.#ref(id.slice(slash + 1), id.slice(0, slash));
  }

  #req(ref: Ref, signal: AbortSignal | undefined): { namespace: string; signal?: AbortSignal } {
    return { namespace: ref.namespace, ...(signal !== undefined ? { signal } : {}) };
  }

  /** Long-lived shared caches per namespace: every wait of this provider reuses one watch. */
  #cachesFor(namespace: string): Caches {
    const existing = this.#caches.get(namespace);
    if (existing !== undefined && existing.claims.error === undefined) return existing;
    if (existing !== undefined) {
      existing.claims.release();
      existing.sandboxes.release();
    }
    const caches: Caches = {
      claims: this.client.informer('SandboxClaim', { namespace }),
      sandboxes: this.client.informer('Sandbox', { namespace }),
    };
    this.#caches.set(namespace, caches);
    return caches;
  }

  async #buildClaim(ref: Ref, options: KubernetesCreateOptions): Promise<KubeObject> {
    const warmPool = options.warmPool ?? this.#options.warmPool;
    const template = options.template ?? this.#options.template;
    if (warmPool === undefined && template === undefined) {
      throw new InvalidArgumentError(
        'A Kubernetes sandbox needs a warm pool: pass { warmPool: "<SandboxWarmPool>" } to the provider ' +
          'or to create (a pool with replicas: 0 gives cold starts). On v1alpha1 clusters { template } works too.',
      );
    }
    const labels = sandboxLabels({
      labels: options.labels,
      owner: options.owner ?? this.#options.owner,
      taskId: options.taskId,
    });
    labels[LABELS.createdBy] = CORRAL_CREATED_BY;
    const version: ApiVersionName = await this.client.apiVersionFor('SandboxClaim');
    const fragment = await this.client.claimSpecFor(
      {
        ...(warmPool !== undefined ? { warmPool } : {}),
        ...(template !== undefined ? { template } : {}),
      },
      {
        namespace: ref.namespace,
        ...(options.signal !== undefined ? { signal: options.signal } : {}),
      },
    );
    const target =
      'warmPoolRef' in fragment
        ? { warmPool: fragment.warmPoolRef.name }
        : {
            template: fragment.sandboxTemplateRef.name,
            ...(fragment.warmpool !== undefined ? { warmPool: fragment.warmpool } : {}),
          };
    const now = new Date();
    const podMetadata =
      options.podLabels !== undefined || options.podAnnotations !== undefined
        ? {
            additionalPodMetadata: {
              ...(options.podLabels !== undefined ? { labels: options.podLabels } : {}),
              ...(options.podAnnotations !== undefined
                ? { annotations: options.podAnnotations }
                : {}),
            },
          }
        : {};
    return buildSandboxClaim({
      name: ref.name,
      namespace: ref.namespace,
      version,
      ...target,
      lifecycle: {
        shutdownAfterMs: options.maxLifetimeMs ?? this.#options.maxLifetimeMs,
        ttlSecondsAfterFinished: this.#options.ttlSecondsAfterFinished,
        shutdownPolicy: 'Delete',
      },
      labels,
      annotations: { [ANNOTATIONS.clientFirstRequestedAt]: rfc3339Micro(now) },
      now,
      ...(options.env !== undefined && Object.keys(options.env).length > 0
        ? { env: options.env }
        : {}),
      ...podMetadata,
    });
  }

  /** Deletes a claim after a failed create: its own budget, independent of the caller's signal. */
  async #rollback(ref: Ref): Promise<Error | undefined> {
    await this.#closeForward(ref.id);
    this.#created.delete(ref.id);
    this.#requestedNetwork.delete(ref.id);
    try {
      await this.client.claims.delete(ref.name, {
        namespace: ref.namespace,
        signal: AbortSignal.timeout(this.#options.cleanupTimeoutMs),
      });
      return undefined;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      // Keep it tracked so signal cleanup and deleteAllCreated try again.
      this.#created.set(ref.id, ref);
      return e instanceof Error ? e : new CorralError(String(e), { cause: e });
    }
  }

  #target(ref: Ref, ready: ClaimReady): EndpointTarget & { podName: string } {
    return {
      sandboxName: ready.sandboxName,
      namespace: ref.namespace,
      podIPs: ready.podIPs.length > 0 ? ready.podIPs : podIPsOf(ready.claim, ready.sandbox),
      serviceFQDN: ready.serviceFQDN ?? serviceFqdnOf(ready.sandbox),
      port: this.#options.connection.port,
      runnerToken: this.#options.connection.runnerToken,
      podName: podNameOf(ready.sandboxName, ready.sandbox),
    };
  }

  async #endpointFor(
    ref: Ref,
    target: EndpointTarget & { podName: string },
    signal: AbortSignal | undefined,
  ): Promise<RunnerEndpoint> {
    const conn = this.#options.connection;
    const path = await chooseConnectionPath({
      kubeConfig: this.client.kubeConfig,
      mode: conn.mode,
      auto: conn.auto,
      source: conn.networkSource,
      inCluster: conn.inCluster,
      env: conn.env,
      hasRouter: conn.routerUrl !== undefined,
      namespace: ref.namespace,
      podName: target.podName,
      port: conn.port,
      signal,
    });
    switch (path) {
      case 'direct':
        return directEndpoint(target, conn.preferServiceFqdn === true, conn.clusterDomain);
      case 'router':
        return routerEndpoint(conn.routerUrl!, target, conn.routerToken);
      case 'gateway': {
        this.#gatewayAddress ??= resolveGatewayAddress(
          this.client.kubeConfig,
          conn.gatewayName!,
          conn.gatewayNamespace ?? this.namespace,
          { timeoutMs: this.#options.readyTimeoutMs, signal },
        );
        const pending = this.#gatewayAddress;
        pending.catch(() => {
          if (this.#gatewayAddress === pending) this.#gatewayAddress = undefined;
        });
        const address = await pending;
        return routerEndpoint(
          gatewayBaseUrl(conn.gatewayScheme, address, conn.gatewayPort),
          target,
          conn.routerToken,
        );
      }
      case 'port-forward': {
        let pending = this.#forwards.get(ref.id);
        if (pending === undefined) {
          pending = startPortForward({
            kubeConfig: this.client.kubeConfig,
            namespace: ref.namespace,
            pod: target.podName,
            port: conn.port,
          });
          this.#forwards.set(ref.id, pending);
          pending.catch(() => this.#forwards.delete(ref.id));
        }
        const server = await pending;
        if (server.pod !== target.podName) server.retarget(target.podName);
        return {
          baseUrl: server.url,
          ...(target.runnerToken !== undefined ? { token: target.runnerToken } : {}),
        };
      }
    }
  }

  async #closeForward(id: string): Promise<void> {
    const pending = this.#forwards.get(id);
    if (pending === undefined) return;
    this.#forwards.delete(id);
    const server = await pending.catch(() => undefined);
    await server?.close();
  }

  /** The bound Sandbox of a claim, read from the API. */
  async #boundSandbox(
    ref: Ref,
    signal: AbortSignal | undefined,
  ): Promise<{ claim: KubeObject; sandboxName: string; sandbox: KubeObject }> {
    let claim: KubeObject;
    try {
      claim = await this.client.claims.get(ref.name, this.#req(ref, signal));
    } catch (e) {
      if (isNotFound(e)) {
        throw new SandboxNotFoundError(
          `Sandbox ${ref.id} does not exist (no SandboxClaim ${ref.namespace}/${ref.name}).`,
          { cause: e },
        );
      }
      throw e;
    }
    const sandboxName = boundSandboxName(claim);
    if (sandboxName === undefined) {
      throw new SandboxNotReadyError(
        `Claim ${ref.namespace}/${ref.name} is not bound to a Sandbox yet; wait until it is Ready.`,
      );
    }
    try {
      const sandbox = await this.client.sandboxes.get(sandboxName, this.#req(ref, signal));
      return { claim, sandboxName, sandbox };
    } catch (e) {
      if (isNotFound(e)) {
        throw new SandboxNotFoundError(
          `The Sandbox ${ref.namespace}/${sandboxName} of claim ${ref.name} is gone (expired or deleted).`,
          { cause: e },
        );
      }
      throw e;
    }
  }

  async #setRunning(id: string, running: boolean, options: SuspendOptions): Promise<SandboxInfo> {
    this.#checkOpen();
    const ref = this.#parseId(id);
    const { signal } = options;
    const doing = `${running ? 'Resuming' : 'Suspending'} sandbox ${ref.id}`;
    try {
      const { sandboxName } = await this.#boundSandbox(ref, signal);
      const version = await this.client.apiVersionFor('Sandbox');
      const spec =
        version === 'v1beta1'
          ? { operatingMode: running ? 'Running' : 'Suspended' }
          : { replicas: running ? 1 : 0 };
      const caches = this.#cachesFor(ref.namespace);
      const patched = await this.client.sandboxes.patch(
        sandboxName,
        { spec },
        this.#req(ref, signal),
      );
      const generation = patched.metadata?.generation ?? 0;
      const sandbox = await caches.sandboxes.waitFor(
        sandboxName,
        (object, change) => {
          if (change === 'DELETED' || object === undefined) {
            throw new SandboxNotFoundError(
              `The Sandbox ${ref.namespace}/${sandboxName} was deleted.`,
            );
          }
          if ((object.metadata?.generation ?? 0) < generation) return false;
          const ips = (object.status as { podIPs?: string[] } | undefined)?.podIPs ?? [];
          if (running) return isReady(object as HasConditions) && ips.length > 0;
          const status = object.status as
            { replicas?: number; conditions?: { type: string; status: string }[] } | undefined;
          // Suspended=True is the signal on every version that has it. An alpha view of a
          // v1beta1-storage cluster keeps the status.replicas it had when the alpha client wrote
          // (upstream restores it from the v1alpha1-sandbox-state annotation), so replicas === 0
          // only counts on alpha-only releases, which have no Suspended condition.
          const suspended =
            status?.conditions?.some((c) => c.type === 'Suspended' && c.status === 'True') === true;
          if (version === 'v1beta1' || suspended) return suspended;
          return status?.replicas === 0 && ips.length === 0;
        },
        {
          timeoutMs: options.timeoutMs ?? this.#options.readyTimeoutMs,
          ...(signal !== undefined ? { signal } : {}),
          onTimeout: () =>
            new WaitTimeoutError({
              waitingFor: `Sandbox ${ref.namespace}/${sandboxName} to ${running ? 'become Ready again' : 'stop its pod'}`,
              timeoutMs: options.timeoutMs ?? this.#options.readyTimeoutMs,
              target: `Sandbox ${ref.namespace}/${sandboxName}`,
            }),
        },
      );
      if (!running) {
        const forward = await this.#forwards.get(ref.id)?.catch(() => undefined);
        forward?.retarget(forward.pod);
      }
      const claim = await this.client.claims.get(ref.name, this.#req(ref, signal));
      return toSandboxInfo(claim, sandbox, {
        id: ref.id,
        namespace: ref.namespace,
        requestedNetwork: this.#requestedNetwork.get(ref.id),
      });
    } catch (e) {
      throw toSdkError(e, { signal, doing });
    }
  }

  async #podTarget(
    id: string,
    container: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<{ namespace: string; pod: string; container: string }> {
    this.#checkOpen();
    const ref = this.#parseId(id);
    const doing = `Finding the pod of sandbox ${ref.id}`;
    try {
      const { sandboxName, sandbox } = await this.#boundSandbox(ref, signal);
      const pod = podNameOf(sandboxName, sandbox);
      if (container !== undefined) return { namespace: ref.namespace, pod, container };
      const core = this.client.kubeConfig.makeApiClient(CoreV1Api);
      let first: string | undefined;
      try {
        const found = await core.readNamespacedPod({ name: pod, namespace: ref.namespace });
        first = found.spec?.containers[0]?.name;
      } catch (e) {
        const translated = translateError(e, signal);
        if (isNotFound(translated)) {
          throw new ConnectionError(
            `Pod ${ref.namespace}/${pod} does not exist (is the sandbox suspended?).`,
            { retryable: false, cause: translated },
          );
        }
        throw translated;
      }
      if (first === undefined) {
        throw new SandboxNotReadyError(
          `Pod ${ref.namespace}/${pod} has no containers yet; pass { container } or retry once it runs.`,
        );
      }
      return { namespace: ref.namespace, pod, container: first };
    } catch (e) {
      throw toSdkError(e, { signal, doing });
    }
  }
}

/** Makes a Kubernetes provider; see `KubernetesProviderOptions` for the defaults. */
export function createKubernetesProvider(
  options: KubernetesProviderOptions = {},
): KubernetesProvider {
  return new KubernetesProvider(options);
}
