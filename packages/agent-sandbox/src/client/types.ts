/**
 * Structural object types for the client layer. They describe only what the client, watch,
 * cache and waiters read; every object keeps all the fields the server sent.
 */

export interface ObjectMeta {
  name?: string | undefined;
  generateName?: string | undefined;
  namespace?: string | undefined;
  uid?: string | undefined;
  resourceVersion?: string | undefined;
  generation?: number | undefined;
  creationTimestamp?: string | undefined;
  deletionTimestamp?: string | undefined;
  labels?: Record<string, string> | undefined;
  annotations?: Record<string, string> | undefined;
  ownerReferences?:
    | {
        apiVersion: string;
        kind: string;
        name: string;
        uid: string;
        controller?: boolean;
        blockOwnerDeletion?: boolean;
      }[]
    | undefined;
  finalizers?: string[] | undefined;
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion?: string | undefined;
  kind?: string | undefined;
  metadata?: ObjectMeta | undefined;
  [key: string]: unknown;
}

/** One page of a list call. */
export interface ObjectList<T> {
  items: T[];
  /** The collection's resourceVersion; watch from here to see every later change. */
  resourceVersion: string;
  /** Set when more pages follow; pass it back as `continue`. */
  continue?: string;
  remainingItemCount?: number;
}

/** `metav1.Scale` as served by `/scale`. */
export interface Scale {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec?: { replicas?: number };
  status?: { replicas?: number; selector?: string };
  [key: string]: unknown;
}
