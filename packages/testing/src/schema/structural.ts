/**
 * Pruning, defaulting and validation of custom resources against a structural
 * `openAPIV3Schema`, in the order and with the wording the apiextensions-apiserver uses.
 * The schema is walked directly (no compilation step), so a 400 KB CRD costs nothing to load.
 * CEL rules (`x-kubernetes-validations`) are not evaluated.
 */
import type { FieldError } from '../store/status-error.js';
import type { JsonSchemaProps } from './types.js';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The JSON type of a value, as the apiserver names it in messages. */
function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** Go's `%v`-ish rendering used after `Invalid value:`. */
function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null) return '"null"';
  if (typeof value === 'object') return `"${jsonType(value)}"`;
  return JSON.stringify(value);
}

const join = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

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

const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

const patternCache = new Map<string, RegExp | null>();
function compilePattern(pattern: string): RegExp | null {
  let re = patternCache.get(pattern);
  if (re === undefined) {
    try {
      re = new RegExp(pattern, 'u');
    } catch {
      re = null;
    }
    patternCache.set(pattern, re);
  }
  return re;
}

function checkFormat(format: string, value: string): boolean {
  switch (format) {
    case 'date-time':
      return DATE_TIME.test(value) && !Number.isNaN(Date.parse(value));
    case 'int32':
    case 'int64':
    case 'double':
    case 'float':
    case 'byte':
    default:
      return true;
  }
}

/** Validates `value` against `schema`; `path` is the dotted field path used in messages. */
export function validate(value: unknown, schema: JsonSchemaProps, path = ''): FieldError[] {
  const errors: FieldError[] = [];
  walkValidate(value, schema, path, errors, true);
  return errors;
}

function typeError(path: string, value: unknown, expected: string, errors: FieldError[]): void {
  errors.push({
    type: 'FieldValueTypeInvalid',
    field: path,
    detail: `Invalid value: "${jsonType(value)}": ${path} in body must be of type ${expected}: "${jsonType(value)}"`,
  });
}

function walkValidate(
  value: unknown,
  schema: JsonSchemaProps,
  path: string,
  errors: FieldError[],
  root: boolean,
): void {
  if (value === null) {
    if (
      schema.nullable === true ||
      (schema['x-kubernetes-preserve-unknown-fields'] === true && schema.type === undefined)
    )
      return;
    if (schema.type !== undefined) typeError(path, value, schema.type, errors);
    return;
  }
  if (schema['x-kubernetes-int-or-string'] === true) {
    if (typeof value !== 'string' && !(typeof value === 'number' && Number.isInteger(value))) {
      errors.push({
        type: 'FieldValueTypeInvalid',
        field: path,
        detail: `Invalid value: "${jsonType(value)}": ${path} in body must be of type integer,string: "${jsonType(value)}"`,
      });
      return;
    }
  } else if (schema.type !== undefined) {
    const actual = jsonType(value);
    const ok = schema.type === actual || (schema.type === 'number' && actual === 'integer');
    if (!ok) {
      typeError(path, value, schema.type, errors);
      return;
    }
  }

  if (
    schema.enum !== undefined &&
    !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))
  ) {
    errors.push({
      type: 'FieldValueNotSupported',
      field: path,
      detail: `Unsupported value: ${show(value)}: supported values: ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}`,
    });
  }

  if (typeof value === 'number') {
    if (schema.minimum !== undefined) {
      const bad =
        schema.exclusiveMinimum === true ? value <= schema.minimum : value < schema.minimum;
      if (bad) {
        errors.push({
          type: 'FieldValueInvalid',
          field: path,
          detail: `Invalid value: ${value}: ${path} in body should be greater than ${schema.exclusiveMinimum === true ? '' : 'or equal to '}${schema.minimum}`,
        });
      }
    }
    if (schema.maximum !== undefined) {
      const bad =
        schema.exclusiveMaximum === true ? value >= schema.maximum : value > schema.maximum;
      if (bad) {
        errors.push({
          type: 'FieldValueInvalid',
          field: path,
          detail: `Invalid value: ${value}: ${path} in body should be less than ${schema.exclusiveMaximum === true ? '' : 'or equal to '}${schema.maximum}`,
        });
      }
    }
    if (schema.multipleOf !== undefined && value % schema.multipleOf !== 0) {
      errors.push({
        type: 'FieldValueInvalid',
        field: path,
        detail: `Invalid value: ${value}: ${path} in body should be a multiple of ${schema.multipleOf}`,
      });
    }
  }

  if (typeof value === 'string') {
    const length = [...value].length;
    if (schema.maxLength !== undefined && length > schema.maxLength) {
      errors.push({
        type: 'FieldValueTooLong',
        field: path,
        detail: `Too long: may not be more than ${schema.maxLength} bytes`,
      });
    }
    if (schema.minLength !== undefined && length < schema.minLength) {
      errors.push({
        type: 'FieldValueInvalid',
        field: path,
        detail: `Invalid value: ${show(value)}: ${path} in body should be at least ${schema.minLength} chars long`,
      });
    }
    if (schema.pattern !== undefined) {
      const re = compilePattern(schema.pattern);
      if (re !== null && !re.test(value)) {
        errors.push({
          type: 'FieldValueInvalid',
          field: path,
          detail: `Invalid value: ${show(value)}: ${path} in body should match '${schema.pattern}'`,
        });
      }
    }
    if (schema.format !== undefined && !checkFormat(schema.format, value)) {
      errors.push({
        type: 'FieldValueInvalid',
        field: path,
        detail: `Invalid value: ${show(value)}: ${path} in body must be of type ${schema.format}: ${show(value)}`,
      });
    }
  }

  if (Array.isArray(value)) {
    if (schema.maxItems !== undefined && value.length > schema.maxItems) {
      errors.push({
        type: 'FieldValueTooLong',
        field: path,
        detail: `Too many: ${value.length}: must have at most ${schema.maxItems} items`,
      });
    }
    if (schema.minItems !== undefined && value.length < schema.minItems) {
      errors.push({
        type: 'FieldValueInvalid',
        field: path,
        detail: `Invalid value: ${value.length}: ${path} in body should have at least ${schema.minItems} items`,
      });
    }
    if (schema.items) {
      for (const [i, item] of value.entries())
        walkValidate(item, schema.items, `${path}[${i}]`, errors, false);
    }
    const listType = schema['x-kubernetes-list-type'];
    if (listType === 'set' || schema.uniqueItems === true) {
      const seen = new Set<string>();
      for (const [i, item] of value.entries()) {
        const key = JSON.stringify(item);
        if (seen.has(key))
          errors.push({
            type: 'FieldValueDuplicate',
            field: `${path}[${i}]`,
            detail: `Duplicate value: ${show(item)}`,
          });
        seen.add(key);
      }
    } else if (listType === 'map') {
      const keys = schema['x-kubernetes-list-map-keys'] ?? [];
      const seen = new Set<string>();
      for (const [i, item] of value.entries()) {
        if (!isObject(item)) continue;
        const key = JSON.stringify(keys.map((k) => item[k]));
        if (seen.has(key)) {
          const shown = keys.map((k) => `"${k}":${JSON.stringify(item[k])}`).join(',');
          errors.push({
            type: 'FieldValueDuplicate',
            field: `${path}[${i}]`,
            detail: `Duplicate value: map[string]interface {}{${shown}}`,
          });
        }
        seen.add(key);
      }
    }
  }

  if (isObject(value)) {
    if (schema.required) {
      for (const key of schema.required) {
        if (value[key] === undefined) {
          errors.push({
            type: 'FieldValueRequired',
            field: join(path, key),
            detail: 'Required value',
          });
        }
      }
    }
    const embedded = root || schema['x-kubernetes-embedded-resource'] === true;
    if (embedded && !root) {
      for (const key of ['apiVersion', 'kind']) {
        if (typeof value[key] !== 'string' || value[key] === '') {
          errors.push({
            type: 'FieldValueRequired',
            field: join(path, key),
            detail: 'Required value: must not be empty',
          });
        }
      }
    }
    for (const [key, sub] of Object.entries(value)) {
      if (
        embedded &&
        (key === 'metadata' || key === 'apiVersion' || key === 'kind') &&
        schema.properties?.[key] === undefined
      )
        continue;
      const childSchema =
        schema.properties?.[key] ??
        (isObject(schema.additionalProperties) ? schema.additionalProperties : undefined);
      if (childSchema !== undefined && !(root && key === 'metadata'))
        walkValidate(sub, childSchema, join(path, key), errors, false);
    }
    if (schema.maxProperties !== undefined && Object.keys(value).length > schema.maxProperties) {
      errors.push({
        type: 'FieldValueTooLong',
        field: path,
        detail: `Too many: ${Object.keys(value).length}: must have at most ${schema.maxProperties} items`,
      });
    }
    if (schema.minProperties !== undefined && Object.keys(value).length < schema.minProperties) {
      errors.push({
        type: 'FieldValueInvalid',
        field: path,
        detail: `Invalid value: ${Object.keys(value).length}: ${path} in body should have at least ${schema.minProperties} properties`,
      });
    }
  }

  if (schema.allOf) for (const sub of schema.allOf) walkValidate(value, sub, path, errors, false);
  if (schema.anyOf && !schema['x-kubernetes-int-or-string']) {
    const ok = schema.anyOf.some((sub) => validate(value, sub, path).length === 0);
    if (!ok)
      errors.push({
        type: 'FieldValueInvalid',
        field: path,
        detail: `Invalid value: ${show(value)}: ${path} in body must match at least one schema (anyOf)`,
      });
  }
  if (schema.oneOf) {
    const n = schema.oneOf.filter((sub) => validate(value, sub, path).length === 0).length;
    if (n !== 1)
      errors.push({
        type: 'FieldValueInvalid',
        field: path,
        detail: `Invalid value: ${show(value)}: ${path} in body must match exactly one schema (oneOf)`,
      });
  }
  if (schema.not && validate(value, schema.not, path).length === 0) {
    errors.push({
      type: 'FieldValueInvalid',
      field: path,
      detail: `Invalid value: ${show(value)}: ${path} in body should not be valid against schema (not)`,
    });
  }
}
