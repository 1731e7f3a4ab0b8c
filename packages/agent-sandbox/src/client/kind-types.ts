import type { ResourceInputOf, ResourceOf } from '../schemas/registry.js';
import type { SandboxKind } from '../resources.js';

/** Metadata the API server always sets on a stored object. */
export interface StoredMeta {
  metadata: { name: string; namespace: string; uid: string; resourceVersion: string };
}

/** An object of `kind` as read from the server, in whichever version the cluster serves. */
export type KindObject<K extends SandboxKind> =
  (ResourceOf<'v1beta1', K> & StoredMeta) | (ResourceOf<'v1alpha1', K> & StoredMeta);

/** `apiVersion` and `kind` become optional: the client fills in the ones it speaks. */
type LooseTypeMeta<T> = T extends unknown
  ? { [P in keyof T as P extends 'apiVersion' | 'kind' ? never : P]: T[P] } & {
      apiVersion?: T extends { apiVersion: infer A } ? A : never;
      kind?: T extends { kind: infer N } ? N : never;
    }
  : never;

/** What may be written for `kind` (defaulted fields optional). */
export type KindInput<K extends SandboxKind> =
  LooseTypeMeta<ResourceInputOf<'v1beta1', K>> | LooseTypeMeta<ResourceInputOf<'v1alpha1', K>>;
