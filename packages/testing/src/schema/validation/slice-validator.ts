/** kube-openapi's `sliceValidator`: maxItems, minItems, then each item against `items`. */
import type { FieldError } from '../../store/status-error.js';
import type { JsonSchemaProps } from '../types.js';
import type { Walk } from './walk.js';

export function validateSlice(
  value: unknown[],
  schema: JsonSchemaProps,
  path: string,
  errors: FieldError[],
  walk: Walk,
): void {
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
      walk(item, schema.items, `${path}[${i}]`, errors, false);
  }
}
