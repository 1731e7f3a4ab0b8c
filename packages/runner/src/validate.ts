/**
 * Hand-written checks for request bodies (the runner has no runtime dependencies, so no Zod).
 * Each failure names the field and says what is expected.
 */
import { invalidArgument } from './http/errors.js';

export type Json = Record<string, unknown>;

export function requireObject(value: unknown, what = 'request body'): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidArgument(`${what} must be a JSON object`);
  }
  return value as Json;
}

export function rejectUnknown(body: Json, allowed: readonly string[], what = 'request body'): void {
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) {
      throw invalidArgument(`${what} has unknown field "${key}"; allowed: ${allowed.join(', ')}`);
    }
  }
}

export function str(
  body: Json,
  field: string,
  opts: { required: true; nonEmpty?: boolean },
): string;
export function str(
  body: Json,
  field: string,
  opts?: { required?: false; nonEmpty?: boolean },
): string | undefined;
export function str(
  body: Json,
  field: string,
  opts: { required?: boolean; nonEmpty?: boolean } = {},
): string | undefined {
  const value = body[field];
  if (value === undefined) {
    if (opts.required) throw invalidArgument(`field "${field}" is required (a string)`);
    return undefined;
  }
  if (typeof value !== 'string') throw invalidArgument(`field "${field}" must be a string`);
  if (opts.nonEmpty && value.length === 0)
    throw invalidArgument(`field "${field}" must not be empty`);
  return value;
}

export function bool(body: Json, field: string): boolean | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw invalidArgument(`field "${field}" must be true or false`);
  return value;
}

export function positiveInt(body: Json, field: string): number | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw invalidArgument(`field "${field}" must be a positive integer (milliseconds)`);
  }
  return value;
}

export function argv(body: Json, field: string): string[] | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    !value.every((v): v is string => typeof v === 'string')
  ) {
    throw invalidArgument(`field "${field}" must be a non-empty array of strings (argv)`);
  }
  if (value[0] === '') throw invalidArgument(`field "${field}[0]" (the program) must not be empty`);
  return value;
}

export function envMap(body: Json, field: string): Record<string, string> | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  const obj = requireObject(value, `field "${field}"`);
  for (const [k, v] of Object.entries(obj)) {
    if (typeof v !== 'string') throw invalidArgument(`field "${field}.${k}" must be a string`);
    if (k.length === 0 || k.includes('=') || k.includes('\0')) {
      throw invalidArgument(`field "${field}" has an invalid variable name "${k}"`);
    }
  }
  return obj as Record<string, string>;
}
