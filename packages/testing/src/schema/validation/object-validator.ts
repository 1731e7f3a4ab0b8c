/**
 * kube-openapi's `objectValidator` (required, properties, additionalProperties, maxProperties,
 * minProperties), with apiextensions' embedded-resource rules: an embedded object needs
 * apiVersion and kind, and its metadata is ObjectMeta's business, not the schema's.
 */
import type { FieldError } from '../../store/status-error.js';
import { isObject, join } from '../schema-values.js';
import type { JsonSchemaProps } from '../types.js';
import type { Walk } from './walk.js';

function validateRequired(
  value: Record<string, unknown>,
  schema: JsonSchemaProps,
  path: string,
  errors: FieldError[],
): void {
  for (const key of schema.required ?? []) {
    if (value[key] === undefined)
      errors.push({ type: 'FieldValueRequired', field: join(path, key), detail: 'Required value' });
  }
}

function validateEmbeddedTypeMeta(
  value: Record<string, unknown>,
  path: string,
  errors: FieldError[],
): void {
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

function validateProperties(
  value: Record<string, unknown>,
  schema: JsonSchemaProps,
  path: string,
  errors: FieldError[],
  { root, embedded }: { root: boolean; embedded: boolean },
  walk: Walk,
): void {
  const additional = isObject(schema.additionalProperties)
    ? schema.additionalProperties
    : undefined;
  for (const [key, sub] of Object.entries(value)) {
    const typeMeta = key === 'metadata' || key === 'apiVersion' || key === 'kind';
    if (embedded && typeMeta && schema.properties?.[key] === undefined) continue;
    const childSchema = schema.properties?.[key] ?? additional;
    if (childSchema !== undefined && !(root && key === 'metadata'))
      walk(sub, childSchema, join(path, key), errors, false);
  }
}

function validatePropertyCount(
  value: Record<string, unknown>,
  schema: JsonSchemaProps,
  path: string,
  errors: FieldError[],
): void {
  const count = Object.keys(value).length;
  if (schema.maxProperties !== undefined && count > schema.maxProperties) {
    errors.push({
      type: 'FieldValueTooLong',
      field: path,
      detail: `Too many: ${count}: must have at most ${schema.maxProperties} items`,
    });
  }
  if (schema.minProperties !== undefined && count < schema.minProperties) {
    errors.push({
      type: 'FieldValueInvalid',
      field: path,
      detail: `Invalid value: ${count}: ${path} in body should have at least ${schema.minProperties} properties`,
    });
  }
}

export function validateObject(
  value: Record<string, unknown>,
  schema: JsonSchemaProps,
  path: string,
  errors: FieldError[],
  root: boolean,
  walk: Walk,
): void {
  validateRequired(value, schema, path, errors);
  const embedded = root || schema['x-kubernetes-embedded-resource'] === true;
  if (embedded && !root) validateEmbeddedTypeMeta(value, path, errors);
  validateProperties(value, schema, path, errors, { root, embedded }, walk);
  validatePropertyCount(value, schema, path, errors);
}
