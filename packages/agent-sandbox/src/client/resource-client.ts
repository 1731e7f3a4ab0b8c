import {
  PatchStrategy,
  Watch,
  type CustomObjectsApi,
  type KubeConfig,
} from '@kubernetes/client-node';
import { KubeInvalidArgumentError, UnsupportedRequestError } from '../errors/config-errors.js';
import { translateError } from '../errors/from-api-exception.js';
import { retryIdempotent, type RetryOptions } from '../errors/retry.js';
import type { ApiVersionName, ResourceDescriptor } from '../resources.js';
import type { ResourceWatchSource, SourceListOptions, SourceWatchOptions } from '../watch/types.js';
import { callOptions, compact } from './request-options.js';
import type { KubeObject, ObjectList, Scale } from './types.js';

export interface RequestOptions {
  /** Defaults to the object's `metadata.namespace`, then the client's namespace. */
  namespace?: string;
  signal?: AbortSignal;
}

export interface ListOptions extends RequestOptions {
  labelSelector?: string;
  fieldSelector?: string;
  /** Page size. The server may return fewer and set `continue`. */
  limit?: number;
  continue?: string;
}

export interface WriteOptions extends RequestOptions {
  /** Validate and default on the server without persisting (`dryRun=All`). */
  dryRun?: boolean;
  /** Overrides the client's `fieldManager`. */
  fieldManager?: string;
  fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
}

export interface ApplyOptions extends WriteOptions {
  /** Take ownership of fields another manager owns instead of failing with 409. */
  force?: boolean;
}

export interface DeleteOptions extends RequestOptions {
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  /** Delete only if the object still has this uid / resourceVersion (409 otherwise). */
  preconditions?: { uid?: string; resourceVersion?: string };
  gracePeriodSeconds?: number;
  dryRun?: boolean;
}

export interface DeleteResult<T> {
  /**
   * `deleted`: the server removed the object. `pending`: it still exists with a
   * `deletionTimestamp` (finalizers or foreground deletion); wait with `waitForDeleted`.
   */
  status: 'deleted' | 'pending';
  object: T | undefined;
}

/** One JSON Patch (RFC 6902) operation. */
export interface JsonPatchOperation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  value?: unknown;
  from?: string;
}

export interface ResourceClientDeps {
  api: CustomObjectsApi;
  kubeConfig: KubeConfig;
  descriptor: ResourceDescriptor;
  version: () => Promise<ApiVersionName>;
  defaultNamespace: string;
  fieldManager: string;
  retry: Omit<RetryOptions, 'signal'> | false;
}

/**
 * Typed CRUD for one agent-sandbox kind over client-node's CustomObjectsApi. Objects are sent
 * exactly as the caller built them; only a missing `apiVersion`/`kind` is filled in.
 */
export class ResourceClient<T extends KubeObject, I extends KubeObject = T> {
  readonly kind: ResourceDescriptor['kind'];

  constructor(private readonly deps: ResourceClientDeps) {
    this.kind = deps.descriptor.kind;
  }

  /** The API version requests for this kind are sent in. */
  apiVersion(): Promise<ApiVersionName> {
    return this.deps.version();
  }

  async get(name: string, options: RequestOptions = {}): Promise<T> {
    const target = await this.target(options);
    return this.read(options.signal, (o) =>
      this.deps.api.getNamespacedCustomObject({ ...target, name }, o),
    );
  }

  async list(options: ListOptions = {}): Promise<ObjectList<T>> {
    const target = await this.target(options);
    const list = await this.read(options.signal, (o) =>
      this.deps.api.listNamespacedCustomObject(
        compact({
          ...target,
          labelSelector: options.labelSelector,
          fieldSelector: options.fieldSelector,
          limit: options.limit,
          _continue: options.continue,
        }),
        o,
      ),
    );
    return toObjectList<T>(list);
  }

  /** Every matching object, fetched page by page (`limit` per page, default 500). */
  async *listAll(options: Omit<ListOptions, 'continue'> = {}): AsyncIterable<T> {
    let token: string | undefined;
    do {
      const page = await this.list(
        compact({ ...options, limit: options.limit ?? 500, continue: token }),
      );
      yield* page.items;
      token = page.continue;
    } while (token !== undefined && token !== '');
  }

  /** Creates the object; `metadata.generateName` works as on the server. */
  async create(object: I, options: WriteOptions = {}): Promise<T> {
    const { body, target } = await this.prepare(object, options);
    return this.write(options.signal, undefined, (o) =>
      this.deps.api.createNamespacedCustomObject(
        compact({ ...target, body, ...this.writeParams(options) }),
        o,
      ),
    );
  }

  /** Replaces the object. With `metadata.resourceVersion` set, a concurrent change gives 409 Conflict. */
  async replace(object: I, options: WriteOptions = {}): Promise<T> {
    const { body, target } = await this.prepare(object, options);
    const name = requireName(object, 'replace');
    return this.write(options.signal, undefined, (o) =>
      this.deps.api.replaceNamespacedCustomObject(
        compact({ ...target, name, body, ...this.writeParams(options) }),
        o,
      ),
    );
  }

  /** JSON merge patch (RFC 7386). Put `metadata.resourceVersion` in it for compare-and-swap. */
  async patch(name: string, patch: object, options: WriteOptions = {}): Promise<T> {
    return this.patchWith('', name, patch, PatchStrategy.MergePatch, options);
  }

  /** JSON Patch (RFC 6902). */
  async jsonPatch(
    name: string,
    operations: JsonPatchOperation[],
    options: WriteOptions = {},
  ): Promise<T> {
    return this.patchWith('', name, operations, PatchStrategy.JsonPatch, options);
  }

  /**
   * Server-side apply: the server merges the fields this manager sets and records ownership.
   * Retried like a read: applying the same body twice has the same effect as once.
   */
  async apply(object: I, options: ApplyOptions = {}): Promise<T> {
    const { body, target } = await this.prepare(object, options);
    const name = requireName(object, 'apply');
    const params = compact({
      ...target,
      name,
      body,
      ...this.writeParams(options),
      force: options.force,
    });
    return this.read(
      options.signal,
      (o) => this.deps.api.patchNamespacedCustomObject(params, o),
      PatchStrategy.ServerSideApply,
    );
  }

  async delete(name: string, options: DeleteOptions = {}): Promise<DeleteResult<T>> {
    const target = await this.target(options);
    const body = compact({
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      preconditions: options.preconditions,
      propagationPolicy: options.propagationPolicy,
    });
    const result: unknown = await this.write(options.signal, undefined, (o) =>
      this.deps.api.deleteNamespacedCustomObject(
        compact({
          ...target,
          name,
          propagationPolicy: options.propagationPolicy,
          gracePeriodSeconds: options.gracePeriodSeconds,
          dryRun: options.dryRun === true ? 'All' : undefined,
          body,
        }),
        o,
      ),
    );
    // A real API server answers Status{Success} when the object is gone at once, and the object
    // itself (with deletionTimestamp) while finalizers or foreground deletion hold it.
    const r = result as KubeObject | undefined;
    if (r !== undefined && r.kind !== 'Status' && r.metadata?.deletionTimestamp !== undefined) {
      return { status: 'pending', object: r as T };
    }
    return { status: 'deleted', object: r?.kind === 'Status' ? undefined : (r as T | undefined) };
  }

  async getStatus(name: string, options: RequestOptions = {}): Promise<T> {
    const target = await this.target(options, 'status');
    return this.read(options.signal, (o) =>
      this.deps.api.getNamespacedCustomObjectStatus({ ...target, name }, o),
    );
  }

  /** Replaces `.status` (controllers and test doubles; clients normally only read status). */
  async replaceStatus(object: I, options: WriteOptions = {}): Promise<T> {
    const { body, target } = await this.prepare(object, options, 'status');
    const name = requireName(object, 'replaceStatus');
    return this.write(options.signal, undefined, (o) =>
      this.deps.api.replaceNamespacedCustomObjectStatus(
        compact({ ...target, name, body, ...this.writeParams(options) }),
        o,
      ),
    );
  }

  /** Merge-patches `.status`. */
  async patchStatus(name: string, patch: object, options: WriteOptions = {}): Promise<T> {
    return this.patchWith('status', name, patch, PatchStrategy.MergePatch, options);
  }

  async getScale(name: string, options: RequestOptions = {}): Promise<Scale> {
    const target = await this.target(options, 'scale');
    return this.read(options.signal, (o) =>
      this.deps.api.getNamespacedCustomObjectScale({ ...target, name }, o),
    );
  }

  /** Sets `spec.replicas` through `/scale` (a merge patch of the Scale object). */
  async scale(name: string, replicas: number, options: WriteOptions = {}): Promise<Scale> {
    if (!Number.isInteger(replicas) || replicas < 0) {
      throw new KubeInvalidArgumentError(
        `replicas must be a non-negative integer, got ${replicas}.`,
      );
    }
    return this.patchWith('scale', name, { spec: { replicas } }, PatchStrategy.MergePatch, options);
  }

  /** Merge-patches the Scale object. */
  async patchScale(name: string, patch: object, options: WriteOptions = {}): Promise<Scale> {
    return this.patchWith('scale', name, patch, PatchStrategy.MergePatch, options);
  }

  /** List and watch for this kind in one namespace, over client-node's `Watch`. */
  watchSource(namespace?: string): ResourceWatchSource<T> {
    const ns = namespace ?? this.deps.defaultNamespace;
    return {
      list: (options: SourceListOptions) => this.list(compact({ ...options, namespace: ns })),
      watch: async (options: SourceWatchOptions, onEvent, onDone) => {
        const { group, plural } = this.deps.descriptor;
        const version = await this.deps.version();
        const path = `/apis/${group}/${version}/namespaces/${encodeURIComponent(ns)}/${plural}`;
        const query = compact<Record<string, string | number | boolean>>({
          resourceVersion: options.resourceVersion,
          labelSelector: options.labelSelector,
          fieldSelector: options.fieldSelector,
          allowWatchBookmarks: options.allowWatchBookmarks,
          timeoutSeconds: options.timeoutSeconds,
        });
        const controller = await new Watch(this.deps.kubeConfig).watch(
          path,
          query,
          onEvent,
          onDone,
        );
        return () => controller.abort();
      },
    };
  }

  private async patchWith<R>(
    subresource: '' | 'status' | 'scale',
    name: string,
    body: object,
    contentType: string,
    options: WriteOptions,
  ): Promise<R> {
    const target = await this.target(options, subresource === '' ? undefined : subresource);
    const params = compact({ ...target, name, body, ...this.writeParams(options) });
    const api = this.deps.api;
    return this.write(options.signal, contentType, (o) =>
      subresource === 'status'
        ? api.patchNamespacedCustomObjectStatus(params, o)
        : subresource === 'scale'
          ? api.patchNamespacedCustomObjectScale(params, o)
          : api.patchNamespacedCustomObject(params, o),
    );
  }

  private writeParams(options: WriteOptions): {
    dryRun: string | undefined;
    fieldManager: string;
    fieldValidation: string | undefined;
  } {
    return {
      dryRun: options.dryRun === true ? 'All' : undefined,
      fieldManager: options.fieldManager ?? this.deps.fieldManager,
      fieldValidation: options.fieldValidation,
    };
  }

  private async target(
    options: RequestOptions,
    subresource?: 'status' | 'scale',
    objectVersion?: string,
  ): Promise<{ group: string; version: string; namespace: string; plural: string }> {
    const { group, plural, kind, subresources } = this.deps.descriptor;
    const version = (objectVersion ?? (await this.deps.version())) as ApiVersionName;
    if (subresource !== undefined && subresources[version]?.includes(subresource) !== true) {
      throw new UnsupportedRequestError(
        `${kind} ${group}/${version} has no /${subresource} subresource` +
          (subresource === 'scale' && kind === 'Sandbox'
            ? '; in v1beta1 set spec.operatingMode (Running or Suspended) instead of scaling.'
            : '.'),
      );
    }
    return { group, version, namespace: options.namespace ?? this.deps.defaultNamespace, plural };
  }

  private async prepare(
    object: I,
    options: RequestOptions,
    subresource?: 'status' | 'scale',
  ): Promise<{
    body: I;
    target: { group: string; version: string; namespace: string; plural: string };
  }> {
    const { group, kind } = this.deps.descriptor;
    if (typeof object !== 'object' || object === null) {
      throw new KubeInvalidArgumentError(`Expected a ${kind} object, got ${typeof object}.`);
    }
    if (object.kind !== undefined && object.kind !== kind) {
      throw new KubeInvalidArgumentError(
        `This client writes ${kind} objects; the object has kind ${object.kind}. Use the accessor for ${object.kind}.`,
      );
    }
    let objectVersion: string | undefined;
    if (object.apiVersion !== undefined) {
      const [g, v] = object.apiVersion.split('/');
      if (g !== group || v === undefined) {
        throw new KubeInvalidArgumentError(
          `${kind} objects have apiVersion ${group}/<version>; got ${object.apiVersion}.`,
        );
      }
      objectVersion = v;
    }
    const namespace = options.namespace ?? object.metadata?.namespace;
    const target = await this.target(
      compact<RequestOptions>({ namespace }),
      subresource,
      objectVersion,
    );
    // Only fill in the type fields; every other field goes out exactly as the caller wrote it.
    const body =
      object.apiVersion !== undefined && object.kind !== undefined
        ? object
        : ({ ...object, apiVersion: `${group}/${target.version}`, kind } as I);
    return { body, target };
  }

  private read<R>(
    signal: AbortSignal | undefined,
    call: (o: ReturnType<typeof callOptions>) => Promise<unknown>,
    contentType?: string,
  ): Promise<R> {
    const attempt = () => this.write<R>(signal, contentType, call);
    if (this.deps.retry === false) return attempt();
    return retryIdempotent(attempt, { ...this.deps.retry, signal });
  }

  private async write<R>(
    signal: AbortSignal | undefined,
    contentType: string | undefined,
    call: (o: ReturnType<typeof callOptions>) => Promise<unknown>,
  ): Promise<R> {
    signal?.throwIfAborted();
    try {
      return (await call(callOptions(signal, contentType))) as R;
    } catch (e) {
      throw translateError(e, signal);
    }
  }
}

function requireName(object: KubeObject, operation: string): string {
  const name = object.metadata?.name;
  if (typeof name !== 'string' || name === '') {
    throw new KubeInvalidArgumentError(`${operation} needs metadata.name on the object.`);
  }
  return name;
}

function toObjectList<T>(list: unknown): ObjectList<T> {
  const l = list as {
    items?: T[];
    metadata?: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  };
  return compact<ObjectList<T>>({
    items: l.items ?? [],
    resourceVersion: l.metadata?.resourceVersion ?? '',
    continue: l.metadata?.continue === '' ? undefined : l.metadata?.continue,
    remainingItemCount: l.metadata?.remainingItemCount,
  });
}
