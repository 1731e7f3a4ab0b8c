/**
 * Pruning, defaulting and validation of custom resources against a structural
 * `openAPIV3Schema`, in the order and with the wording the apiextensions-apiserver uses.
 * The schema is walked directly (no compilation step), so a 400 KB CRD costs nothing to load.
 * CEL rules (`x-kubernetes-validations`) are not evaluated. Validation lives in `validation/`,
 * one module per validator of kube-openapi's `validate` package.
 */
import { isObject, join } from './schema-values.js';
import type { JsonSchemaProps } from './types.js';

export { validate } from './validation/validate.js';

const METADATA_KEEP = new Set([
  'name',
  'generateName',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
  'selfLink',
]);

/**
 * Drops fields the schema does not declare. Returns the dotted paths of what was dropped, so
 * `fieldValidation=Warn|Strict` can report them as `unknown field "spec.foo"`.
 * `root` keeps apiVersion/kind/metadata, as the apiserver does for the object and for
 * embedded resources.
 */
export function prune(value: unknown, schema: JsonSchemaProps, path = '', root = true): string[] {
  const dropped: string[] = [];
  walkPrune(value, schema, path, root, dropped);
  return dropped;
}

function walkPrune(
  value: unknown,
  schema: JsonSchemaProps,
  path: string,
  root: boolean,
  dropped: string[],
): void {
  if (Array.isArray(value)) {
    if (schema.items)
      for (const [i, item] of value.entries())
        walkPrune(item, schema.items, `${path}[${i}]`, false, dropped);
    return;
  }
  if (!isObject(value)) return;
  const embedded = root || schema['x-kubernetes-embedded-resource'] === true;
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  const props = schema.properties;
  const additional = schema.additionalProperties;
  for (const key of Object.keys(value)) {
    if (embedded && (key === 'apiVersion' || key === 'kind')) continue;
    if (embedded && key === 'metadata') {
      const meta = value.metadata;
      if (isObject(meta)) {
        for (const mk of Object.keys(meta)) {
          if (!METADATA_KEEP.has(mk)) {
            dropped.push(join(join(path, 'metadata'), mk));
            delete meta[mk];
          }
        }
      }
      continue;
    }
    const sub = props?.[key] ?? (isObject(additional) ? additional : undefined);
    if (sub !== undefined) {
      walkPrune(value[key], sub, join(path, key), false, dropped);
    } else if (!preserve && additional !== true) {
      dropped.push(join(path, key));
      delete value[key];
    }
  }
}

/** Fills in `default` values, top-down, the way the apiserver defaults on write and read. */
export function applyDefaults(value: unknown, schema: JsonSchemaProps): void {
  if (Array.isArray(value)) {
    if (schema.items) for (const item of value) applyDefaults(item, schema.items);
    return;
  }
  if (!isObject(value)) return;
  if (schema.properties) {
    for (const [key, sub] of Object.entries(schema.properties)) {
      if (value[key] === undefined && sub.default !== undefined)
        value[key] = structuredClone(sub.default);
      if (value[key] !== undefined) applyDefaults(value[key], sub);
    }
  } else if (isObject(schema.additionalProperties)) {
    for (const v of Object.values(value)) applyDefaults(v, schema.additionalProperties);
  }
}
