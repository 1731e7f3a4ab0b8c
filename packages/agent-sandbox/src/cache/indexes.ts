import type { KubeObject } from '../client/types.js';
import { KubeInvalidArgumentError } from '../errors/config-errors.js';

/** Maps an object to the index keys it should be found under. */
export type IndexFunction<T> = (object: T) => readonly string[];

export const LABEL_INDEX = 'label';
export const OWNER_INDEX = 'owner';

/** `key=value` for every label. */
export function labelIndex(object: KubeObject): string[] {
  return Object.entries(object.metadata?.labels ?? {}).map(([k, v]) => `${k}=${v}`);
}

/** The uid of every owner. */
export function ownerIndex(object: KubeObject): string[] {
  return (object.metadata?.ownerReferences ?? []).map((o) => o.uid);
}

/** Secondary indexes: index name → key → object names. Kept in step with the store. */
export class Indexes<T> {
  private readonly functions = new Map<string, IndexFunction<T>>();
  private readonly indexes = new Map<string, Map<string, Set<string>>>();
  /** name → index name → keys, so an update removes exactly the old keys. */
  private readonly keysByName = new Map<string, Map<string, readonly string[]>>();

  add(indexName: string, fn: IndexFunction<T>, existing: Iterable<[string, T]>): void {
    if (this.functions.has(indexName)) {
      throw new KubeInvalidArgumentError(
        `An index named "${indexName}" already exists; pick another name or reuse the existing index.`,
      );
    }
    this.functions.set(indexName, fn);
    this.indexes.set(indexName, new Map());
    for (const [name, object] of existing) this.indexOne(indexName, fn, name, object);
  }

  has(indexName: string): boolean {
    return this.functions.has(indexName);
  }

  /** Names of objects under `key` in `indexName`. */
  lookup(indexName: string, key: string): ReadonlySet<string> {
    const index = this.indexes.get(indexName);
    if (index === undefined) {
      throw new KubeInvalidArgumentError(
        `No index named "${indexName}"; add it with addIndexer() before querying it.`,
      );
    }
    return index.get(key) ?? EMPTY;
  }

  upsert(name: string, object: T): void {
    this.remove(name);
    for (const [indexName, fn] of this.functions) this.indexOne(indexName, fn, name, object);
  }

  remove(name: string): void {
    const byIndex = this.keysByName.get(name);
    if (byIndex === undefined) return;
    for (const [indexName, keys] of byIndex) {
      const index = this.indexes.get(indexName)!;
      for (const key of keys) {
        const names = index.get(key);
        names?.delete(name);
        if (names?.size === 0) index.delete(key);
      }
    }
    this.keysByName.delete(name);
  }

  clear(): void {
    for (const index of this.indexes.values()) index.clear();
    this.keysByName.clear();
  }

  private indexOne(indexName: string, fn: IndexFunction<T>, name: string, object: T): void {
    const keys = fn(object);
    if (keys.length === 0) return;
    const index = this.indexes.get(indexName)!;
    for (const key of keys) {
      let names = index.get(key);
      if (names === undefined) index.set(key, (names = new Set()));
      names.add(name);
    }
    let byIndex = this.keysByName.get(name);
    if (byIndex === undefined) {
      byIndex = new Map<string, readonly string[]>();
      this.keysByName.set(name, byIndex);
    }
    byIndex.set(indexName, keys);
  }
}

const EMPTY: ReadonlySet<string> = new Set();
