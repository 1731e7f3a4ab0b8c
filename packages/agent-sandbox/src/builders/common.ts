/** Helpers shared by the builders: argument checks, validation, time formatting. */
import type { z } from 'zod';
import { KubeInvalidArgumentError } from '../errors/config-errors.js';
import { SchemaValidationError, issuesFromZod } from '../schemas/errors.js';
import type { ApiVersionName } from '../resources.js';
import { API_VERSIONS } from '../resources.js';

export type StringMap = Record<string, string>;

/** Validates a built object and returns it unchanged (not the parsed copy: no defaults added). */
export function validated<T>(schema: z.ZodType, kind: string, name: string, obj: T): T {
  const result = schema.safeParse(obj, { reportInput: true });
  if (!result.success) throw new SchemaValidationError(kind, name, issuesFromZod(result.error));
  return obj;
}

export function versionOf(version: unknown, fn: string): ApiVersionName {
  if (version === undefined) return 'v1beta1';
  if (!API_VERSIONS.includes(version as ApiVersionName)) {
    throw new KubeInvalidArgumentError(
      `${fn}: version must be one of ${API_VERSIONS.join(', ')} (got ${JSON.stringify(version)})`,
    );
  }
  return version as ApiVersionName;
}

export function requireString(value: unknown, what: string, fn: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new KubeInvalidArgumentError(
      `${fn}: ${what} is required and must be a non-empty string (got ${JSON.stringify(value)})`,
    );
  }
  return value;
}

export function optionalNonNegativeInt(
  value: unknown,
  what: string,
  fn: string,
): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new KubeInvalidArgumentError(
      `${fn}: ${what} must be a non-negative integer (got ${JSON.stringify(value)})`,
    );
  }
  return value;
}

/**
 * RFC 3339 with whole seconds, as `metav1.Time` stores it. Rounds up so a requested lifetime is
 * never cut short.
 */
export function toDateTime(value: Date | string | number, what: string, fn: string): string {
  if (typeof value === 'string') return value; // checked by the schema (format date-time)
  const ms = value instanceof Date ? value.getTime() : value;
  if (!Number.isFinite(ms)) {
    throw new KubeInvalidArgumentError(`${fn}: ${what} is not a valid time (got ${String(value)})`);
  }
  return new Date(Math.ceil(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `{metadata}` with only the keys that were given. */
export function objectMeta(options: {
  name?: string | undefined;
  generateName?: string | undefined;
  namespace?: string | undefined;
  labels?: StringMap | undefined;
  annotations?: StringMap | undefined;
}): {
  name?: string;
  generateName?: string;
  namespace?: string;
  labels?: StringMap;
  annotations?: StringMap;
} {
  const meta: ReturnType<typeof objectMeta> = {};
  if (options.name !== undefined) meta.name = options.name;
  if (options.generateName !== undefined) meta.generateName = options.generateName;
  if (options.namespace !== undefined) meta.namespace = options.namespace;
  if (options.labels !== undefined && Object.keys(options.labels).length > 0) {
    meta.labels = { ...options.labels };
  }
  if (options.annotations !== undefined && Object.keys(options.annotations).length > 0) {
    meta.annotations = { ...options.annotations };
  }
  return meta;
}
