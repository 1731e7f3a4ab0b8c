/**
 * apiextensions' `listtype.ValidateListSetsAndMaps`: no duplicate items in a
 * `x-kubernetes-list-type: set` (or `uniqueItems`) list, no two items with the same
 * `x-kubernetes-list-map-keys` in a `map` list.
 */
import type { FieldError } from '../../store/status-error.js';
import { isObject, show } from '../schema-values.js';
import type { JsonSchemaProps } from '../types.js';

function validateSet(value: unknown[], path: string, errors: FieldError[]): void {
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
}

function validateMap(
  value: unknown[],
  keys: readonly string[],
  path: string,
  errors: FieldError[],
): void {
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

export function validateListType(
  value: unknown[],
  schema: JsonSchemaProps,
  path: string,
  errors: FieldError[],
): void {
  const listType = schema['x-kubernetes-list-type'];
  if (listType === 'set' || schema.uniqueItems === true) validateSet(value, path, errors);
  else if (listType === 'map')
    validateMap(value, schema['x-kubernetes-list-map-keys'] ?? [], path, errors);
}
