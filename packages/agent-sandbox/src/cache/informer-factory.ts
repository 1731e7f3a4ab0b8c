import type { KubeObject } from '../client/types.js';
import type { SandboxKind } from '../resources.js';
import type { WatchSourceProvider } from '../watch/watch-resource.js';
import { SharedInformer, type InformerOptions } from './shared-informer.js';

interface Entry {
  informer: SharedInformer<KubeObject>;
  references: number;
}

/**
 * Hands out one `SharedInformer` per (kind, namespace, selectors), reference-counted: started by
 * the first `acquire`, stopped when the last holder releases it.
 */
export class InformerFactory {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly provider: WatchSourceProvider,
    private readonly defaults: Omit<
      InformerOptions,
      'namespace' | 'labelSelector' | 'fieldSelector'
    >,
    private readonly defaultNamespace: string,
  ) {}

  acquire<T extends KubeObject>(
    kind: SandboxKind,
    options: Omit<InformerOptions, 'clock'> = {},
  ): SharedInformer<T> {
    const namespace = options.namespace ?? this.defaultNamespace;
    const key = [kind, namespace, options.labelSelector ?? '', options.fieldSelector ?? ''].join(
      '\u0000',
    );
    let entry = this.entries.get(key);
    if (entry === undefined || entry.informer.error !== undefined) {
      const created: Entry = { informer: undefined as never, references: 0 };
      created.informer = new SharedInformer<KubeObject>(
        this.provider,
        kind,
        { ...this.defaults, ...options, namespace },
        () => this.release(key, created),
      );
      this.entries.set(key, created);
      entry = created;
      entry.informer.start();
    }
    entry.references++;
    return entry.informer as unknown as SharedInformer<T>;
  }

  /** Number of informers currently running. */
  get size(): number {
    return this.entries.size;
  }

  /** Stops every informer regardless of references (client shutdown). */
  stopAll(): void {
    for (const entry of this.entries.values()) entry.informer.stop();
    this.entries.clear();
  }

  private release(key: string, entry: Entry): void {
    if (entry.references === 0) return;
    entry.references--;
    if (entry.references > 0) return;
    entry.informer.stop();
    if (this.entries.get(key) === entry) this.entries.delete(key);
  }
}
