/**
 * kube-openapi's `typeValidator`, with apiextensions' `nullable` and `x-kubernetes-int-or-string`
 * on top. A type mismatch ends validation of the value: the apiserver reports nothing else for it.
 */
import type { FieldError } from '../../store/status-error.js';
import { jsonType } from '../schema-values.js';
import type { JsonSchemaProps } from '../types.js';

function typeError(path: string, value: unknown, expected: string, errors: FieldError[]): void {
  errors.push({
    type: 'FieldValueTypeInvalid',
    field: path,
    detail: `Invalid value: "${jsonType(value)}": ${path} in body must be of type ${expected}: "${jsonType(value)}"`,
  });
}

/** Returns whether the value's other constraints are to be checked. */
export function validateType(
  value: unknown,
  schema: JsonSchemaProps,
  path: string,
  errors: FieldError[],
): boolean {
  if (value === null) {
    const allowed =
      schema.nullable === true ||
      (schema['x-kubernetes-preserve-unknown-fields'] === true && schema.type === undefined);
    if (!allowed && schema.type !== undefined) typeError(path, value, schema.type, errors);
    return false;
  }
  if (schema['x-kubernetes-int-or-string'] === true) {
    if (typeof value !== 'string' && !(typeof value === 'number' && Number.isInteger(value))) {
      typeError(path, value, 'integer,string', errors);
      return false;
    }
    return true;
  }
  if (schema.type !== undefined) {
    const actual = jsonType(value);
    if (schema.type !== actual && !(schema.type === 'number' && actual === 'integer')) {
      typeError(path, value, schema.type, errors);
      return false;
    }
  }
  return true;
}
