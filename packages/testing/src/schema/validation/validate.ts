/**
 * kube-openapi's `SchemaValidator.Validate`: the value's type first, then the validators of its
 * kind in the apiserver's order, so errors come out in the order the real one lists them.
 */
import type { FieldError } from '../../store/status-error.js';
import { isObject } from '../schema-values.js';
import type { JsonSchemaProps } from '../types.js';
import { validateEnum } from './enum-validator.js';
import { validateListType } from './list-type-validator.js';
import { validateNumber } from './number-validator.js';
import { validateObject } from './object-validator.js';
import { validateSchemaProps } from './schema-props-validator.js';
import { validateSlice } from './slice-validator.js';
import { validateString } from './string-validator.js';
import { validateType } from './type-validator.js';

/** Validates `value` against `schema`; `path` is the dotted field path used in messages. */
export function validate(value: unknown, schema: JsonSchemaProps, path = ''): FieldError[] {
  const errors: FieldError[] = [];
  walkValidate(value, schema, path, errors, true);
  return errors;
}

function walkValidate(
  value: unknown,
  schema: JsonSchemaProps,
  path: string,
  errors: FieldError[],
  root: boolean,
): void {
  if (!validateType(value, schema, path, errors)) return;
  validateEnum(value, schema, path, errors);
  if (typeof value === 'number') validateNumber(value, schema, path, errors);
  if (typeof value === 'string') validateString(value, schema, path, errors);
  if (Array.isArray(value)) {
    validateSlice(value, schema, path, errors, walkValidate);
    validateListType(value, schema, path, errors);
  }
  if (isObject(value)) validateObject(value, schema, path, errors, root, walkValidate);
  validateSchemaProps(value, schema, path, errors, walkValidate);
}
