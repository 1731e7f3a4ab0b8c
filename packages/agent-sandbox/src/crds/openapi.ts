/**
 * Turns our Zod schemas into Kubernetes structural OpenAPI v3 schemas (the `openAPIV3Schema`
 * of a CRD version): every node typed, no JSON-Schema-only keywords, embedded core types opaque.
 */
import { z } from 'zod';
import { EMBEDDED_META_KEY } from '../schemas/common.js';
import { KubeInvalidArgumentError } from '../errors/config-errors.js';

/** A Kubernetes `JSONSchemaProps` as plain data. */
export interface JsonSchemaProps {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  description?: string;
  format?: string;
  enum?: unknown[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  required?: string[];
  properties?: Record<string, JsonSchemaProps>;
  items?: JsonSchemaProps;
  additionalProperties?: JsonSchemaProps;
  'x-kubernetes-preserve-unknown-fields'?: true;
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-validations'?: { rule: string; message?: string }[];
}

/** Implicit bounds Zod adds for int32 / safe integers; the `format` already says this. */
const IMPLICIT_BOUNDS = new Set([
  -2147483648,
  2147483647,
  Number.MIN_SAFE_INTEGER,
  Number.MAX_SAFE_INTEGER,
]);

const COPIED = [
  'description',
  'format',
  'enum',
  'default',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'pattern',
  'x-kubernetes-list-type',
  'x-kubernetes-validations',
] as const;

/** JSON Schema keywords that carry no meaning for (or are handled apart from) a CRD. */
const DROPPED = new Set([
  '$schema',
  'propertyNames',
  'const',
  EMBEDDED_META_KEY,
  'type',
  'properties',
  'items',
  'additionalProperties',
  'required',
  'minimum',
  'maximum',
]);

type Json = Record<string, unknown>;

function isJson(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function convert(node: Json, path: string): JsonSchemaProps {
  if (node[EMBEDDED_META_KEY] === true) {
    const out: JsonSchemaProps = { type: 'object' };
    if (typeof node.description === 'string') out.description = node.description;
    out['x-kubernetes-preserve-unknown-fields'] = true;
    return out;
  }
  const type = node.type;
  if (
    type !== 'object' &&
    type !== 'array' &&
    type !== 'string' &&
    type !== 'integer' &&
    type !== 'number' &&
    type !== 'boolean'
  ) {
    throw new KubeInvalidArgumentError(
      `${path}: cannot express ${JSON.stringify(node)} as a structural schema`,
    );
  }
  for (const key of Object.keys(node)) {
    if (!DROPPED.has(key) && !(COPIED as readonly string[]).includes(key)) {
      throw new KubeInvalidArgumentError(`${path}: unsupported JSON Schema keyword "${key}"`);
    }
  }
  const out: JsonSchemaProps = { type };
  for (const key of COPIED) {
    if (node[key] !== undefined) (out as Json)[key] = node[key];
  }
  if (node.const !== undefined) out.enum = [node.const];
  // Zod's ISO date-time regex is stricter than, and redundant with, `format: date-time`.
  if (out.format === 'date-time') delete out.pattern;
  if (typeof node.minimum === 'number' && !IMPLICIT_BOUNDS.has(node.minimum)) {
    out.minimum = node.minimum;
  }
  if (typeof node.maximum === 'number' && !IMPLICIT_BOUNDS.has(node.maximum)) {
    out.maximum = node.maximum;
  }
  if (isJson(node.properties)) {
    out.properties = {};
    for (const [name, child] of Object.entries(node.properties)) {
      if (!isJson(child)) throw new KubeInvalidArgumentError(`${path}.${name}: not a schema`);
      out.properties[name] = convert(child, `${path}.${name}`);
    }
  }
  if (Array.isArray(node.required) && node.required.length > 0) {
    out.required = [...(node.required as string[])];
  }
  if (isJson(node.items)) out.items = convert(node.items, `${path}[]`);
  // A non-empty additionalProperties is a map (labels); `{}` only marks a loose object.
  if (isJson(node.additionalProperties) && Object.keys(node.additionalProperties).length > 0) {
    if (out.properties !== undefined) {
      throw new KubeInvalidArgumentError(
        `${path}: properties and additionalProperties cannot be combined in a CRD`,
      );
    }
    out.additionalProperties = convert(node.additionalProperties, `${path}.*`);
  }
  return out;
}

/**
 * The structural `openAPIV3Schema` for a top-level kind schema. `apiVersion`, `kind` and
 * `metadata` are left to the API server, as in every CRD (`metadata` is only `type: object`).
 */
export function openApiSchemaOf(schema: z.ZodType): JsonSchemaProps {
  const json = z.toJSONSchema(schema, { io: 'input' }) as Json;
  const out = convert(json, '');
  out.properties = {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    ...Object.fromEntries(
      Object.entries(out.properties ?? {}).filter(
        ([name]) => !['apiVersion', 'kind', 'metadata'].includes(name),
      ),
    ),
  };
  const required = (out.required ?? []).filter(
    (name) => !['apiVersion', 'kind', 'metadata'].includes(name),
  );
  if (required.length > 0) out.required = required;
  else delete out.required;
  return out;
}
