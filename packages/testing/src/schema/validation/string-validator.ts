/** kube-openapi's `stringValidator` (maxLength, minLength, pattern) followed by its format check. */
import type { FieldError } from '../../store/status-error.js';
import { pushInvalid, show } from '../schema-values.js';
import type { JsonSchemaProps } from '../types.js';
import { isValidFormat } from './format-validator.js';

// A CRD's patterns are few and checked on every write: compile each once. `null` remembers a
// pattern JavaScript cannot compile, which is then not enforced rather than failing every write.
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

export function validateString(
  value: string,
  schema: JsonSchemaProps,
  path: string,
  errors: FieldError[],
): void {
  const invalid = (detail: string): void => pushInvalid(errors, path, show(value), detail);
  // Lengths count code points, as Go's utf8.RuneCountInString does.
  const length = [...value].length;
  if (schema.maxLength !== undefined && length > schema.maxLength) {
    errors.push({
      type: 'FieldValueTooLong',
      field: path,
      detail: `Too long: may not be more than ${schema.maxLength} bytes`,
    });
  }
  if (schema.minLength !== undefined && length < schema.minLength)
    invalid(`${path} in body should be at least ${schema.minLength} chars long`);
  if (schema.pattern !== undefined) {
    const re = compilePattern(schema.pattern);
    if (re !== null && !re.test(value)) invalid(`${path} in body should match '${schema.pattern}'`);
  }
  if (schema.format !== undefined && !isValidFormat(schema.format, value))
    invalid(`${path} in body must be of type ${schema.format}: ${show(value)}`);
}
