/**
 * Schema lookup by apiVersion and kind, and the one entry point that validates any
 * agent-sandbox object: `parseResource`.
 */
import type { z } from 'zod';
import { API_VERSIONS, RESOURCES } from '../resources.js';
import type { ApiVersionName, SandboxKind } from '../resources.js';
import { SchemaValidationError, issuesFromZod } from './errors.js';
import { sandboxSchema, sandboxV0_1_0Schema, sandboxV1alpha1Schema } from './sandbox.js';
import {
  sandboxClaimSchema,
  sandboxClaimV0_1_0Schema,
  sandboxClaimV1alpha1Schema,
} from './sandbox-claim.js';
import {
  sandboxTemplateSchema,
  sandboxTemplateV0_1_0Schema,
  sandboxTemplateV1alpha1Schema,
} from './sandbox-template.js';
import {
  sandboxWarmPoolSchema,
  sandboxWarmPoolV0_1_0Schema,
  sandboxWarmPoolV1alpha1Schema,
} from './sandbox-warm-pool.js';

/** Current schemas (upstream v0.5.x / v1.0): `SCHEMAS[version][kind]`. */
export const SCHEMAS = {
  v1beta1: {
    Sandbox: sandboxSchema,
    SandboxTemplate: sandboxTemplateSchema,
    SandboxClaim: sandboxClaimSchema,
    SandboxWarmPool: sandboxWarmPoolSchema,
  },
  v1alpha1: {
    Sandbox: sandboxV1alpha1Schema,
    SandboxTemplate: sandboxTemplateV1alpha1Schema,
    SandboxClaim: sandboxClaimV1alpha1Schema,
    SandboxWarmPool: sandboxWarmPoolV1alpha1Schema,
  },
} as const satisfies Record<ApiVersionName, Record<SandboxKind, z.ZodType>>;

/**
 * The v0.1.0 `v1alpha1` shapes (claim `status.sandbox.Name`, no warmpool/lifecycle fields).
 * Current `v1alpha1` schemas accept v0.1.0 objects too; these exist for typing and conformance.
 */
export const V0_1_0_SCHEMAS = {
  v1alpha1: {
    Sandbox: sandboxV0_1_0Schema,
    SandboxTemplate: sandboxTemplateV0_1_0Schema,
    SandboxClaim: sandboxClaimV0_1_0Schema,
    SandboxWarmPool: sandboxWarmPoolV0_1_0Schema,
  },
} as const satisfies Record<'v1alpha1', Record<SandboxKind, z.ZodType>>;

export type SchemaOf<V extends ApiVersionName, K extends SandboxKind> = (typeof SCHEMAS)[V][K];
/** The parsed (defaults applied) type of `kind` in `version`. */
export type ResourceOf<V extends ApiVersionName, K extends SandboxKind> = z.output<SchemaOf<V, K>>;
/** What may be sent for `kind` in `version` (defaulted fields optional). */
export type ResourceInputOf<V extends ApiVersionName, K extends SandboxKind> = z.input<
  SchemaOf<V, K>
>;

/** Any agent-sandbox object in a served version, discriminated by `apiVersion` and `kind`. */
export type AgentSandboxResource = {
  [V in ApiVersionName]: { [K in SandboxKind]: ResourceOf<V, K> }[SandboxKind];
}[ApiVersionName];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nameOf(obj: unknown): string | undefined {
  if (!isRecord(obj) || !isRecord(obj.metadata)) return undefined;
  const { name, generateName } = obj.metadata;
  if (typeof name === 'string') return name;
  if (typeof generateName === 'string') return `${generateName}*`;
  return undefined;
}

function validate<T extends z.ZodType>(schema: T, kind: string, obj: unknown): z.output<T> {
  const result = schema.safeParse(obj, { reportInput: true });
  if (result.success) return result.data;
  throw new SchemaValidationError(kind, nameOf(obj), issuesFromZod(result.error));
}

/** Validates `obj` as `kind` in `version`; returns the parsed copy (unknown fields kept, defaults applied). */
export function parseResourceAs<V extends ApiVersionName, K extends SandboxKind>(
  version: V,
  kind: K,
  obj: unknown,
): ResourceOf<V, K> {
  return validate(SCHEMAS[version][kind], kind, obj) as ResourceOf<V, K>;
}

const KINDS = Object.keys(RESOURCES) as SandboxKind[];

/**
 * Picks the schema from `apiVersion` and `kind` and validates `obj`. Returns a parsed copy
 * (unknown fields kept, CRD defaults applied) — send the caller's original object to the API
 * server, not this copy. Throws {@link SchemaValidationError} naming every bad field.
 */
export function parseResource(obj: unknown): AgentSandboxResource {
  if (!isRecord(obj)) {
    throw new SchemaValidationError('object', undefined, [
      { path: '(root)', message: `must be an object (got ${obj === null ? 'null' : typeof obj})` },
    ]);
  }
  const { apiVersion, kind } = obj;
  const kindName = typeof kind === 'string' ? kind : 'object';
  if (typeof kind !== 'string' || !KINDS.includes(kind as SandboxKind)) {
    throw new SchemaValidationError(kindName, nameOf(obj), [
      {
        path: 'kind',
        message: `must be one of ${KINDS.join(', ')} (got ${kind === undefined ? 'nothing' : JSON.stringify(kind)})`,
      },
    ]);
  }
  const descriptor = RESOURCES[kind as SandboxKind];
  const expected = API_VERSIONS.map((v) => `${descriptor.group}/${v}`);
  const version = API_VERSIONS.find((v) => apiVersion === `${descriptor.group}/${v}`);
  if (version === undefined) {
    throw new SchemaValidationError(kindName, nameOf(obj), [
      {
        path: 'apiVersion',
        message: `must be one of ${expected.join(', ')} (got ${apiVersion === undefined ? 'nothing' : JSON.stringify(apiVersion)})`,
      },
    ]);
  }
  const schema: z.ZodType<AgentSandboxResource> = SCHEMAS[version][descriptor.kind];
  return validate(schema, kindName, obj);
}

/** Like {@link parseResource} but returns the issues instead of throwing. */
export function validateResource(
  obj: unknown,
): { ok: true; value: AgentSandboxResource } | { ok: false; error: SchemaValidationError } {
  try {
    return { ok: true, value: parseResource(obj) };
  } catch (error) {
    if (error instanceof SchemaValidationError) return { ok: false, error };
    throw error;
  }
}
