import type { FieldError } from '../../store/status-error.js';
import type { JsonSchemaProps } from '../types.js';

/**
 * The recursive step, handed to the validators that descend (items, properties, allOf) so that
 * they need not import the dispatcher that imports them.
 */
export type Walk = (
  value: unknown,
  schema: JsonSchemaProps,
  path: string,
  errors: FieldError[],
  root: boolean,
) => void;
