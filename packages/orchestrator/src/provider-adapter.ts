/**
 * What the orchestrator needs from a provider beyond `SandboxProvider`, and where providers
 * differ: how Corral's labels get onto a sandbox, how they read back, and (Kubernetes) the
 * claim's terminal conditions and the pod's log. Kubernetes extras are found structurally so
 * the orchestrator works with any provider that offers them.
 */
import {
  CONDITION_TYPES,
  FINISHED_REASONS,
  findCondition,
  isFinished,
  readiness,
  readyReason,
  type HasConditions,
} from '@corral/agent-sandbox/model';
import type { InformerProvider, KubeObject, SharedInformer } from '@corral/agent-sandbox';
import {
  SandboxNotFoundError,
  type ProviderCreateOptions,
  type SandboxInfo,
  type SandboxProvider,
} from '@corral/sdk';
import { OWNER_LABEL, TASK_ID_LABEL } from './labels.js';
import type { OrchestratorOptions, Task } from './types.js';

/** The pod (or process) behind a sandbox reached a terminal state. */
export interface Finished {
  reason: 'PodSucceeded' | 'PodFailed';
  message?: string;
}

interface KubernetesLike extends SandboxProvider {
  readonly client: InformerProvider;
  readonly owner?: string;
  logs?(id: string, options?: { signal?: AbortSignal }): AsyncIterable<string>;
}

function isKubernetes(provider: SandboxProvider): provider is KubernetesLike {
  const client = (provider as { client?: { informer?: unknown } }).client;
  return provider.name === 'kubernetes' && typeof client?.informer === 'function';
}

export class ProviderAdapter {
  readonly provider: SandboxProvider;
  readonly #kube: KubernetesLike | undefined;
  readonly #informers = new Map<string, SharedInformer<KubeObject>>();

  constructor(provider: SandboxProvider) {
    this.provider = provider;
    this.#kube = isKubernetes(provider) ? provider : undefined;
  }

  /** Whether the provider writes `corral.dev/owner` itself (Kubernetes: from its `owner` option). */
  get writesOwner(): boolean {
    return this.#kube !== undefined;
  }

  /** The owner the provider writes, when it says. */
  get providerOwner(): string | undefined {
    const owner = (this.provider as { owner?: unknown }).owner;
    return typeof owner === 'string' ? owner : undefined;
  }

  /** Whether completion can be seen without the runner (the pod's terminal conditions). */
  get hasConditions(): boolean {
    return this.#kube !== undefined;
  }

  createOptions(
    task: Task,
    sandboxId: string,
    owner: string,
    defaults: OrchestratorOptions['sandboxDefaults'],
    timeoutMs: number | undefined,
    signal: AbortSignal,
  ): ProviderCreateOptions {
    const labels: Record<string, string> = { ...defaults?.labels, ...task.labels };
    const extra: Record<string, unknown> = {};
    if (this.#kube !== undefined) {
      // the Kubernetes provider reserves corral.dev/ labels and sets them from these
      extra.taskId = task.taskID;
    } else {
      labels[TASK_ID_LABEL] = task.taskID;
      labels[OWNER_LABEL] = owner;
    }
    return {
      ...defaults,
      ...extra,
      id: sandboxId,
      labels,
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      signal,
    };
  }

  ownerOf(info: SandboxInfo): string | undefined {
    return info.labels[OWNER_LABEL] ?? info.metadata.owner;
  }

  taskIdOf(info: SandboxInfo): string | undefined {
    return info.labels[TASK_ID_LABEL] ?? info.metadata.taskId;
  }

  /** Sandboxes carrying this owner's label. */
  listOwned(owner: string, signal?: AbortSignal): Promise<SandboxInfo[]> {
    return this.provider.list({ labels: { [OWNER_LABEL]: owner }, ...(signal ? { signal } : {}) });
  }

  /**
   * Resolves when the sandbox's pod is terminal: `Finished=True`, or `Ready=False` with reason
   * `PodSucceeded`/`PodFailed`, whichever the claim shows first. Rejects with
   * `SandboxNotFoundError` when the claim goes away or can never finish (expired). Undefined
   * for providers without conditions.
   */
  waitFinished(id: string, signal: AbortSignal): Promise<Finished> | undefined {
    const kube = this.#kube;
    if (kube === undefined) return undefined;
    const { namespace, name } = splitId(id, kube.client.namespace);
    const informer = this.#informer(kube, namespace);
    return informer
      .waitFor(
        name,
        (object, change) => {
          if (change === 'DELETED' || object === undefined) {
            throw new SandboxNotFoundError(`Sandbox ${id} is gone (its claim was deleted).`);
          }
          return terminalOf(object) !== undefined;
        },
        { signal },
      )
      .then((object) => terminalOf(object as HasConditions)!);
  }

  /** The pod's log (tail of at most `maxBytes`), or undefined when the provider has none. */
  async podLogs(id: string, maxBytes: number, signal: AbortSignal): Promise<string | undefined> {
    const kube = this.#kube;
    if (kube?.logs === undefined) return undefined;
    let text = '';
    for await (const line of kube.logs(id, { signal })) {
      text += `${line}\n`;
      if (text.length > 2 * maxBytes) text = text.slice(-maxBytes);
    }
    return text.length > maxBytes ? text.slice(-maxBytes) : text;
  }

  close(): void {
    for (const informer of this.#informers.values()) informer.release();
    this.#informers.clear();
  }

  #informer(kube: KubernetesLike, namespace: string): SharedInformer<KubeObject> {
    let informer = this.#informers.get(namespace);
    if (informer === undefined) {
      informer = kube.client.informer('SandboxClaim', { namespace });
      this.#informers.set(namespace, informer);
    }
    return informer;
  }
}

function splitId(id: string, namespace: string): { namespace: string; name: string } {
  const slash = id.indexOf('/');
  return slash === -1
    ? { namespace, name: id }
    : { namespace: id.slice(0, slash), name: id.slice(slash + 1) };
}

/** The terminal state a claim shows, if any; throws when it can never finish (e.g. expired). */
function terminalOf(object: HasConditions): Finished | undefined {
  const finished = findCondition(object, CONDITION_TYPES.finished);
  if (isFinished(object)) {
    return {
      reason: finished?.reason === FINISHED_REASONS.podFailed ? 'PodFailed' : 'PodSucceeded',
      ...(finished?.message !== undefined ? { message: finished.message } : {}),
    };
  }
  const reason = readyReason(object);
  const ready = findCondition(object, CONDITION_TYPES.ready);
  if (
    ready?.status === 'False' &&
    (reason === FINISHED_REASONS.podSucceeded || reason === FINISHED_REASONS.podFailed)
  ) {
    return {
      reason,
      ...(ready.message !== undefined ? { message: ready.message } : {}),
    };
  }
  if (readiness(object) === 'terminal') {
    throw new SandboxNotFoundError(
      `The sandbox can never finish: its claim is Ready=False/${reason ?? 'Unknown'}${ready?.message ? ` (${ready.message})` : ''}.`,
      { code: 'SANDBOX_ENDED' },
    );
  }
  return undefined;
}
