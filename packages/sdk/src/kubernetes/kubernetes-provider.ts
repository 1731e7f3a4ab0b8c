/**
 * The Kubernetes provider: a sandbox is an agent-sandbox `SandboxClaim` (its id is the claim
 * name). Claims always carry a safety net (shutdownTime, `Delete` policy, TTL after finish) so a
 * crashed caller leaks nothing for long, and every failure after the create deletes the claim.
 * The claim itself is built in `claim-builder.ts`, runner endpoints come from
 * `runner-connections.ts`, suspend/resume lives in `suspend-resume.ts`.
 */
import {
  boundSandboxName,
  createAgentSandboxClient,
  waitForClaimReady,
  waitForDeleted,
  type AgentSandboxClient,
  type HasConditions,
  type KubeObject,
} from '@corral/agent-sandbox';
import {
  AbortedError,
  InvalidArgumentError,
  ProviderClosedError,
  SandboxNotFoundError,
  SandboxNotReadyError,
} from '../errors.js';
import type {
  ProviderCapabilities,
  ProvisionedSandbox,
  SandboxExit,
  SandboxInfo,
  SandboxProvider,
} from '../provider.js';
import { compact } from '../compact.js';
import { buildClaim } from './claim-builder.js';
import { deleteEach, deleteHalfMadeClaim } from './delete-each.js';
import { createWaitError, withRollbackFailure } from './claim-timeout.js';
import { createConnector } from './connection/create-connector.js';
import { boundTarget, readyTarget, type RunnerConnector } from './connection/runner-connector.js';
import { asCache, informers, NamespaceCaches } from './claim-caches.js';
import {
  claimRef,
  createMayHaveLanded,
  isNotFound,
  parseSandboxId,
  requestFor,
  type Ref,
} from './claim-ref.js';
import { toSdkError } from './errors-map.js';
import { execInPod, type ExecOptions, type ExecResult } from './exec.js';
import { PROVIDER_NAME, toSandboxInfo } from './info.js';
import { podLogLines, type LogsOptions } from './logs.js';
import { claimSelector, listClaimsWithSandboxes } from './list-claims.js';
import { generateClaimName } from './names.js';
import {
  resolveOptions,
  type DeleteSandboxOptions,
  type KubernetesCreateOptions,
  type KubernetesProviderOptions,
  type ResolvedOptions,
} from './options.js';
import { podTarget } from './pod-target.js';
import { KubernetesTelemetry, type CreateTrace } from './telemetry.js';
import { waitNameFree } from './wait-name-free.js';
import type { SignalCleanupDisposer, SignalCleanupOptions } from './signal-cleanup.js';
import { installSignalCleanup } from './signal-cleanup.js';
import { setSandboxRunning, type SuspendOptions } from './suspend-resume.js';
import { terminalWaitError, waitClaimTerminal } from './wait-terminal.js';

export type { SuspendOptions } from './suspend-resume.js';
export type { DeleteSandboxOptions } from './options.js';

export class KubernetesProvider implements SandboxProvider {
  readonly name = PROVIDER_NAME;
  readonly client: AgentSandboxClient;
  readonly #options: ResolvedOptions;
  /** Claims this provider created and has not deleted, by id. */
  readonly #created = new Map<string, Ref>();
  readonly #caches: NamespaceCaches;
  /** Nothing this provider created is left: its watches may close (NamespaceCaches.using). */
  readonly #idle = (): boolean => this.#created.size === 0;
  readonly #connector: RunnerConnector;
  readonly #requestedNetwork = new Map<string, KubernetesCreateOptions['network']>();
  #signalCleanup: SignalCleanupDisposer | undefined;
  #closed = false;
  readonly #telemetry: KubernetesTelemetry;

  constructor(options: KubernetesProviderOptions = {}) {
    this.#options = resolveOptions(options);
    this.#telemetry = new KubernetesTelemetry(options);
    try {
      const { kubeConfig, kubeconfigPath, context, namespace, clock } = options;
      this.client = createAgentSandboxClient({
        ...compact({ kubeConfig, kubeconfigPath, context, namespace, clock }),
        apiVersion: options.apiVersion ?? 'auto',
      });
    } catch (e) {
      throw toSdkError(e, { doing: 'Loading the Kubernetes configuration' });
    }
    this.#caches = new NamespaceCaches(this.client);
    this.#connector = createConnector(this.#options.connection, {
      kubeConfig: this.client.kubeConfig,
      defaultNamespace: this.client.namespace,
      timeoutMs: this.#options.readyTimeoutMs,
    });
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

  /** The connection mode in use (`auto` resolved to its first path; a sandbox's NetworkPolicies may move it on). */
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
    return this.#caches.using(
      () => this.#telemetry.traceCreate((traced) => this.#create(options, traced)),
      this.#idle,
    );
  }

  async #create(options: KubernetesCreateOptions, traced: CreateTrace) {
    const { signal } = options;
    const ref = this.#ref(options.id ?? generateClaimName(), options.namespace);
    traced.begin(ref);
    const doing = `Creating sandbox ${ref.id}`;
    if (signal?.aborted === true) {
      throw new AbortedError(`${doing}: aborted.`, { cause: signal.reason });
    }
    const claim = await buildClaim(this.client, this.#options, ref, options).catch((e: unknown) => {
      throw toSdkError(e, { signal, doing });
    });
    traced.annotate(claim);
    const caches = this.#caches.for(ref.namespace);
    // a re-run of a task id waits for the old claim/Sandbox of that name to go (D2)
    if (options.id !== undefined)
      await waitNameFree(this.client, ref.name, {
        ...compact({ signal, timeoutMs: options.timeoutMs ?? this.#options.readyTimeoutMs }),
        namespace: ref.namespace,
      }).catch((e: unknown) => {
        throw toSdkError(e, { signal, doing });
      });
    try {
      await traced.step('corral.claim.create', () =>
        this.client.claims.create(
          claim as never,
          compact({
            namespace: ref.namespace,
            signal,
          }),
        ),
      );
    } catch (e) {
      if (createMayHaveLanded(e, signal)) await this.#rollback(ref);
      throw toSdkError(e, { signal, doing });
    }
    this.#created.set(ref.id, ref);
    if (options.network !== undefined) this.#requestedNetwork.set(ref.id, options.network);
    try {
      const ready = await traced.step('corral.claim.ready', () =>
        waitForClaimReady(
          informers(this.client),
          ref.name,
          compact({
            namespace: ref.namespace,
            cache: asCache(caches.claims),
            timeoutMs: options.timeoutMs ?? this.#options.readyTimeoutMs,
            signal,
          }),
        ),
      );
      traced.ready(ref.name, ready.sandboxName);
      signal?.throwIfAborted();
      const endpoint = await traced.step('corral.sandbox.reachable', () =>
        this.#connector.endpointFor(ref, readyTarget(ref, ready, this.#options.connection), signal),
      );
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
      const last = caches.claims.get(ref.name) as HasConditions | undefined;
      const rollbackError = await this.#rollback(ref);
      const claimRef = `${ref.namespace}/${ref.name}`;
      const error = createWaitError(e, { signal, doing, claimRef, claim: last });
      throw withRollbackFailure(error, claimRef, rollbackError);
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
      claim = await this.client.claims.get(ref.name, requestFor(ref, signal));
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw toSdkError(e, { signal, doing });
    }
    if (claim.metadata?.deletionTimestamp !== undefined) return undefined;
    const sandboxName = boundSandboxName(claim);
    let sandbox: KubeObject | undefined;
    if (sandboxName !== undefined) {
      try {
        sandbox = await this.client.sandboxes.get(sandboxName, requestFor(ref, signal));
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
    const endpoint = await this.#connector
      .endpointFor(
        ref,
        boundTarget(ref, sandboxName, claim, sandbox, this.#options.connection),
        signal,
      )
      .catch((e: unknown) => {
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
    const selector = claimSelector(options.labels);
    const request = compact({ namespace, signal });
    try {
      const found = await listClaimsWithSandboxes(this.client, request, selector);
      return found.map(({ claim, sandbox }) => {
        const ref = this.#ref(claim.metadata?.name ?? '', namespace);
        return toSandboxInfo(claim, sandbox, {
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
    const remove = () => this.#telemetry.traceDelete(id, () => this.#delete(id, options));
    return this.#caches.using(remove, this.#idle);
  }

  async #delete(id: string, options: DeleteSandboxOptions): Promise<void> {
    const ref = this.#parseId(id);
    const { signal } = options;
    const doing = `Deleting sandbox ${ref.id}`;
    await this.#connector.release(ref.id);
    try {
      const result = await this.client.claims.delete(ref.name, {
        ...requestFor(ref, signal),
        ...(options.foreground === true ? { propagationPolicy: 'Foreground' as const } : {}),
      });
      if (options.foreground === true && result.status === 'pending') {
        await waitForDeleted(informers(this.client), 'SandboxClaim', ref.name, {
          namespace: ref.namespace,
          timeoutMs: options.timeoutMs ?? this.#options.cleanupTimeoutMs,
          ...(this.#closed ? {} : { cache: asCache(this.#caches.for(ref.namespace).claims) }),
          ...compact({ signal }),
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
    return this.#caches.using(() => this.#waitTerminal(id, options), this.#idle);
  }

  async #waitTerminal(id: string, options: { signal?: AbortSignal }): Promise<SandboxExit> {
    const ref = this.#parseId(id);
    const { signal } = options;
    const doing = `Waiting for sandbox ${ref.id} to finish`;
    try {
      const claims = this.#caches.for(ref.namespace).claims;
      return await waitClaimTerminal(this.client, claims, ref, doing, signal);
    } catch (e) {
      throw terminalWaitError(e, doing, signal);
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
    return this.#telemetry.span(
      'corral.sandbox.exec',
      async () => {
        const target = await this.#podTarget(id, options.container, options.signal);
        return execInPod(this.client.kubeConfig, target, argv, options);
      },
      { 'sandbox.id': id, 'process.command': argv[0] ?? '' },
    );
  }

  /** Deletes every claim this provider created and has not deleted yet. */
  async deleteAllCreated(): Promise<void> {
    await deleteEach([...this.#created.keys()], (id) =>
      this.delete(id, { signal: AbortSignal.timeout(this.#options.cleanupTimeoutMs) }),
    );
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
    await this.#connector.close();
    this.#caches.releaseAll();
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
    return claimRef(name, namespace, this.namespace);
  }

  #parseId(id: string): Ref {
    return parseSandboxId(id, this.namespace);
  }

  /** Deletes a claim after a failed create: its own budget, independent of the caller's signal. */
  async #rollback(ref: Ref): Promise<Error | undefined> {
    await this.#connector.release(ref.id);
    this.#created.delete(ref.id);
    this.#requestedNetwork.delete(ref.id);
    const error = await deleteHalfMadeClaim(this.client, ref, this.#options.cleanupTimeoutMs);
    // Keep it tracked so signal cleanup and deleteAllCreated try again.
    if (error !== undefined) this.#created.set(ref.id, ref);
    return error;
  }

  async #setRunning(id: string, running: boolean, options: SuspendOptions): Promise<SandboxInfo> {
    this.#checkOpen();
    return this.#caches.using(() => this.#setRunningNow(id, running, options), this.#idle);
  }

  async #setRunningNow(id: string, running: boolean, options: SuspendOptions) {
    const ref = this.#parseId(id);
    const { signal } = options;
    const doing = `${running ? 'Resuming' : 'Suspending'} sandbox ${ref.id}`;
    try {
      const sandbox = await setSandboxRunning(
        this.client,
        () => this.#caches.for(ref.namespace),
        ref,
        running,
        { ...options, timeoutMs: options.timeoutMs ?? this.#options.readyTimeoutMs },
      );
      if (!running) await this.#connector.podStopped(ref.id);
      const claim = await this.client.claims.get(ref.name, requestFor(ref, signal));
      return toSandboxInfo(claim, sandbox, {
        id: ref.id,
        namespace: ref.namespace,
        requestedNetwork: this.#requestedNetwork.get(ref.id),
      });
    } catch (e) {
      throw toSdkError(e, { signal, doing });
    }
  }

  #podTarget(id: string, container: string | undefined, signal: AbortSignal | undefined) {
    this.#checkOpen();
    const ref = this.#parseId(id);
    return podTarget(this.client, ref, container, signal).catch((e: unknown) => {
      throw toSdkError(e, { signal, doing: `Finding the pod of sandbox ${ref.id}` });
    });
  }
}

/** Makes a Kubernetes provider; see `KubernetesProviderOptions` for the defaults. */
export function createKubernetesProvider(
  options: KubernetesProviderOptions = {},
): KubernetesProvider {
  return new KubernetesProvider(options);
}
