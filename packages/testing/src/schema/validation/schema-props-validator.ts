/**
 * kube-openapi's `schemaPropsValidator`: allOf, anyOf, oneOf and not. The alternatives of
 * anyOf/oneOf/not are tried on their own error lists, as only whether they pass matters.
 */
import type { FieldError } from '../../store/status-error.js';
import { show } from '../schema-values.js';
import type { JsonSchemaProps } from '../types.js';
import type { Walk } from './walk.js';

export function validateSchemaProps(
  value: unknown,
  schema: JsonSchemaProps,
  path: string,
  errors: FieldError[],
  walk: Walk,
): void {
  const passes = (sub: JsonSchemaProps): boolean => {
    const own: FieldError[] = [];
    walk(value, sub, path, own, true);
    return own.length === 0;
  };
  const invalid = (detail: string): void => {
    errors.push({
      type: 'FieldValueInvalid',
      field: path,
      detail: `Invalid value: ${show(value)}: ${path} in body ${detail}`,
    });
  };
  if (schema.allOf) for (const sub of schema.allOf) walk(value, sub, path, errors, false);
  // int-or-string schemas carry `anyOf: [integer, string]`, already checked by the type validator.
  if (schema.anyOf && !schema['x-kubernetes-int-or-string'] && !schema.anyOf.some(passes))
    invalid('must match at least one schema (anyOf)');
  if (schema.oneOf && schema.oneOf.filter(passes).length !== 1)
    invalid('must match exactly one schema (oneOf)');
  if (schema.not && passes(schema.not)) invalid('should not be valid against schema (not)');
}
