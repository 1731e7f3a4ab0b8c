/** kube-openapi's `numberValidator`: minimum, maximum (each optionally exclusive) and multipleOf. */
import type { FieldError } from '../../store/status-error.js';
import { pushInvalid } from '../schema-values.js';
import type { JsonSchemaProps } from '../types.js';

export function validateNumber(
  value: number,
  schema: JsonSchemaProps,
  path: string,
  errors: FieldError[],
): void {
  const invalid = (detail: string): void => pushInvalid(errors, path, String(value), detail);
  if (schema.minimum !== undefined) {
    const exclusive = schema.exclusiveMinimum === true;
    if (exclusive ? value <= schema.minimum : value < schema.minimum)
      invalid(
        `${path} in body should be greater than ${exclusive ? '' : 'or equal to '}${schema.minimum}`,
      );
  }
  if (schema.maximum !== undefined) {
    const exclusive = schema.exclusiveMaximum === true;
    if (exclusive ? value >= schema.maximum : value > schema.maximum)
      invalid(
        `${path} in body should be less than ${exclusive ? '' : 'or equal to '}${schema.maximum}`,
      );
  }
  if (schema.multipleOf !== undefined && value % schema.multipleOf !== 0)
    invalid(`${path} in body should be a multiple of ${schema.multipleOf}`);
}
