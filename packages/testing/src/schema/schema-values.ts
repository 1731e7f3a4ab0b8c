/** Value helpers shared by pruning and validation, worded as the apiextensions-apiserver words them. */
import type { FieldError } from '../store/status-error.js';

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The JSON type of a value, as the apiserver names it in messages. */
export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** Go's `%v`-ish rendering used after `Invalid value:`. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null) return '"null"';
  if (typeof value === 'object') return `"${jsonType(value)}"`;
  return JSON.stringify(value);
}

export const join = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

/** Adds a `FieldValueInvalid` error worded `Invalid value: <shown>: <detail>`. */
export function pushInvalid(
  errors: FieldError[],
  path: string,
  shown: string,
  detail: string,
): void {
  errors.push({
    type: 'FieldValueInvalid',
    field: path,
    detail: `Invalid value: ${shown}: ${detail}`,
  });
}
