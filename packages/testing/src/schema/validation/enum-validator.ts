/** kube-openapi's `basicCommonValidator`: `enum`, compared as JSON. */
import type { FieldError } from '../../store/status-error.js';
import { show } from '../schema-values.js';
import type { JsonSchemaProps } from '../types.js';

export function validateEnum(
  value: unknown,
  schema: JsonSchemaProps,
  path: string,
  errors: FieldError[],
): void {
  if (schema.enum === undefined) return;
  const shown = JSON.stringify(value);
  if (schema.enum.some((e) => JSON.stringify(e) === shown)) return;
  errors.push({
    type: 'FieldValueNotSupported',
    field: path,
    detail: `Unsupported value: ${show(value)}: supported values: ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}`,
  });
}
