/**
 * Admission of a write (the registry strategies' `PrepareForCreate`/`PrepareForUpdate` and
 * `Validate`, structural pruning and defaulting): what every create and update passes through.
 */
import type { ResourceType } from '../resources/types.js';
import { applyDefaults, prune, validate } from '../schema/structural.js';
import { isPlainObject } from './patch.js';
import { badRequest, forbidden, invalid, notFound } from './status-error.js';
import type { FieldError } from './status-error.js';
import type { KubeObject } from './types.js';
import { schemaOf, lookup } from './store-state.js';
import { metadataErrors, nameErrors } from '../resources/metadata-validation.js';
import type { StoreState } from './store-state.js';
import { nameRule } from './store-state.js';
import type { ServerWriteOptions } from './store-state.js';

export function checkNamespace(
  s: StoreState,
  t: ResourceType,
  namespace: string | undefined,
  creating: boolean,
  name = '',
): void {
  if (!t.namespaced) return;
  if (namespace === undefined || namespace === '') {
    throw badRequest(
      'the server could not find the requested resource: a namespace is required for namespaced resources',
    );
  }
  const ns = lookup(s, s.nsType, undefined, namespace);
  if (ns === undefined) throw notFound('', 'namespaces', namespace);
  if (creating && ns.metadata.deletionTimestamp !== undefined) {
    throw forbidden(
      `${t.plural}${t.group ? '.' + t.group : ''} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
      { name: namespace, kind: 'namespaces' },
    );
  }
}

/** Prune, default and validate in the request version; returns warnings for pruned fields. */
export function admit(
  t: ResourceType,
  version: string,
  object: KubeObject,
  old: KubeObject | undefined,
  opts: ServerWriteOptions,
): void {
  const errors: FieldError[] = [];
  const meta = object.metadata;
  if (!isPlainObject(meta)) throw badRequest('metadata must be an object');
  if (meta.name === undefined || meta.name === '') {
    errors.push({
      type: 'FieldValueRequired',
      field: 'metadata.name',
      detail: 'Required value: name or generateName is required',
    });
  } else if (typeof meta.name !== 'string') {
    errors.push({
      type: 'FieldValueTypeInvalid',
      field: 'metadata.name',
      detail: 'Invalid value: must be a string',
    });
  } else {
    errors.push(...nameErrors(meta.name, nameRule(t)));
  }
  errors.push(...metadataErrors(meta));
  if (old?.metadata.deletionTimestamp !== undefined) {
    const before = new Set(old.metadata.finalizers ?? []);
    for (const f of meta.finalizers ?? []) {
      if (!before.has(f)) {
        errors.push({
          type: 'FieldValueForbidden',
          field: 'metadata.finalizers',
          detail: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"${f}"}`,
        });
      }
    }
  }
  const schema = schemaOf(t, version);
  if (schema !== undefined) {
    const dropped = prune(object, schema);
    const mode = opts.fieldValidation ?? 'Warn';
    if (dropped.length > 0 && mode === 'Strict') {
      throw badRequest(
        `strict decoding error: ${dropped.map((d) => `unknown field "${d}"`).join(', ')}`,
      );
    }
    if (dropped.length > 0 && mode === 'Warn') {
      for (const d of dropped) opts.warnings?.push(`unknown field "${d}"`);
    }
    applyDefaults(object, schema);
    errors.push(...validate(object, schema).filter((e) => !e.field.startsWith('metadata')));
  }
  if (t.builtin) errors.push(...builtinErrors(t, object));
  if (errors.length > 0)
    throw invalid(t.group, t.kind, typeof meta.name === 'string' ? meta.name : '', errors);
}

export function builtinErrors(t: ResourceType, object: KubeObject): FieldError[] {
  const errors: FieldError[] = [];
  if (t.kind === 'Pod') {
    const spec = object.spec;
    const containers = isPlainObject(spec) ? spec.containers : undefined;
    if (!Array.isArray(containers) || containers.length === 0) {
      errors.push({
        type: 'FieldValueRequired',
        field: 'spec.containers',
        detail: 'Required value',
      });
    } else {
      for (const [i, c] of containers.entries()) {
        if (!isPlainObject(c) || typeof c.name !== 'string' || c.name === '') {
          errors.push({
            type: 'FieldValueRequired',
            field: `spec.containers[${i}].name`,
            detail: 'Required value',
          });
        }
        if (!isPlainObject(c) || typeof c.image !== 'string' || c.image === '') {
          errors.push({
            type: 'FieldValueRequired',
            field: `spec.containers[${i}].image`,
            detail: 'Required value',
          });
        }
      }
    }
  }
  if (t.kind === 'Secret' && isPlainObject(object.data)) {
    for (const [k, v] of Object.entries(object.data)) {
      if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) {
        errors.push({
          type: 'FieldValueInvalid',
          field: `data[${k}]`,
          detail: 'Invalid value: "<secret contents redacted>": illegal base64 data',
        });
      }
    }
  }
  return errors;
}

/** Server-side defaults and bookkeeping of built-in kinds (what their registries do). */
export function prepareBuiltin(
  s: StoreState,
  t: ResourceType,
  object: KubeObject,
  old: KubeObject | undefined,
): void {
  if (!t.builtin) return;
  if (t.kind === 'Namespace') {
    object.metadata.labels = {
      ...object.metadata.labels,
      'kubernetes.io/metadata.name': object.metadata.name!,
    };
    if (old === undefined) {
      object.spec = { finalizers: ['kubernetes'] };
      object.status = { phase: 'Active' };
    }
  }
  if (t.kind === 'Pod') {
    // The defaults `SetDefaults_PodSpec` writes that the kubelet acts on.
    const spec: Record<string, unknown> = isPlainObject(object.spec) ? object.spec : {};
    object.spec = spec;
    if (spec.restartPolicy === undefined || spec.restartPolicy === '')
      spec.restartPolicy = 'Always';
    spec.terminationGracePeriodSeconds ??= 30;
    if (old === undefined) object.status = { phase: 'Pending', qosClass: 'BestEffort' };
  }
  if (t.kind === 'Secret') {
    const stringData = object.stringData;
    delete object.stringData;
    if (isPlainObject(stringData)) {
      const data: Record<string, unknown> = isPlainObject(object.data) ? { ...object.data } : {};
      for (const [k, v] of Object.entries(stringData))
        data[k] = Buffer.from(String(v as string)).toString('base64');
      object.data = data;
    }
    object.type ??= 'Opaque';
  }
  if (t.kind === 'Service') {
    const spec: Record<string, unknown> = isPlainObject(object.spec) ? object.spec : {};
    object.spec = spec;
    spec.type ??= 'ClusterIP';
    const oldSpec = isPlainObject(old?.spec) ? old.spec : {};
    if (spec.type !== 'ExternalName' && spec.clusterIP === undefined) {
      spec.clusterIP = oldSpec.clusterIP ?? `10.96.${(s.rv >> 8) & 255}.${s.rv & 255}`;
    }
    if (typeof spec.clusterIP === 'string') spec.clusterIPs ??= [spec.clusterIP];
    spec.sessionAffinity ??= 'None';
    if (old === undefined) object.status = { loadBalancer: {} };
  }
}
