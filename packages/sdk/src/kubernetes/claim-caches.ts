/** Long-lived shared caches per namespace: every wait of a provider reuses one watch. */
import type {
  AgentSandboxClient,
  InformerProvider,
  KindObject,
  SharedInformer,
} from '@corral/agent-sandbox';

export interface Caches {
  claims: SharedInformer<KindObject<'SandboxClaim'>>;
  sandboxes: SharedInformer<KindObject<'Sandbox'>>;
}

/** The waiters read objects structurally; a kind-typed cache serves them as is. */
export function asCache(informer: SharedInformer<KindObject<'SandboxClaim'>>): SharedInformer {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- needed by older @corral/agent-sandbox typings
  return informer as unknown as SharedInformer;
}

/**
 * `AgentSandboxClient` is an `InformerProvider`; older revisions of `@corral/agent-sandbox` typed
 * `InformerProvider.informer` so that the client did not type-check as one. Drop this once the
 * fixed typing (kind-generic `informer<K>()`) is committed.
 */
export function informers(client: AgentSandboxClient): InformerProvider {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- see above
  return client as unknown as InformerProvider;
}

export class NamespaceCaches {
  readonly #byNamespace = new Map<string, Caches>();

  constructor(private readonly client: AgentSandboxClient) {}

  /** The caches of `namespace`; a cache whose watch failed for good is replaced. */
  for(namespace: string): Caches {
    const existing = this.#byNamespace.get(namespace);
    if (existing !== undefined && existing.claims.error === undefined) return existing;
    if (existing !== undefined) {
      existing.claims.release();
      existing.sandboxes.release();
    }
    const caches: Caches = {
      claims: this.client.informer('SandboxClaim', { namespace }),
      sandboxes: this.client.informer('Sandbox', { namespace }),
    };
    this.#byNamespace.set(namespace, caches);
    return caches;
  }

  releaseAll(): void {
    for (const caches of this.#byNamespace.values()) {
      caches.claims.release();
      caches.sandboxes.release();
    }
    this.#byNamespace.clear();
  }
}
