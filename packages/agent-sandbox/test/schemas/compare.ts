/**
 * Compares our schemas with upstream `openAPIV3Schema`s, both directions: outside the embedded
 * core-Kubernetes subtrees, property names, types, enums, required lists, defaults, formats and
 * numeric bounds must agree.
 */
import { z } from 'zod';

export type Json = Record<string, unknown>;

/**
 * Subtrees that embed core Kubernetes types (or ObjectMeta). Only their own `type` is compared:
 * we check a few fields there at runtime and keep the rest opaque.
 */
export const EXEMPT_SUBTREES: readonly RegExp[] = [
  /^\.metadata$/, // ObjectMeta
  /^\.spec\.podTemplate\.spec$/, // core/v1 PodSpec
  /^\.spec\.volumeClaimTemplates\[\]\.spec$/, // core/v1 PersistentVolumeClaimSpec
  /^\.spec\.networkPolicy\.(ingress|egress)\[\]$/, // networking/v1 NetworkPolicy{Ingress,Egress}Rule
];

/** TypeMeta/ObjectMeta are required by us (we dispatch on them) but left to the API server upstream. */
const ROOT_FIELDS_WE_REQUIRE = new Set(['apiVersion', 'kind', 'metadata']);

/** Zod's implicit integer bounds; upstream expresses them as `format: int32/int64`. */
const IMPLICIT_BOUNDS = new Set([
  -2147483648,
  2147483647,
  Number.MIN_SAFE_INTEGER,
  Number.MAX_SAFE_INTEGER,
]);

function asJson(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Json)
    : undefined;
}

function bound(value: unknown): number | undefined {
  return typeof value === 'number' && !IMPLICIT_BOUNDS.has(value) ? value : undefined;
}

export function compare(ours: Json, upstream: Json, path: string, diffs: string[]): void {
  const at = path === '' ? '(root)' : path;
  if (ours.type !== upstream.type) {
    diffs.push(`${at}: type ours=${String(ours.type)} upstream=${String(upstream.type)}`);
    return;
  }
  if (EXEMPT_SUBTREES.some((re) => re.test(path))) return;

  const ourEnum =
    ours.enum ??
    (ours.const !== undefined && path !== '.apiVersion' && path !== '.kind'
      ? [ours.const]
      : undefined);
  if (JSON.stringify(ourEnum) !== JSON.stringify(upstream.enum)) {
    diffs.push(
      `${at}: enum ours=${JSON.stringify(ourEnum)} upstream=${JSON.stringify(upstream.enum)}`,
    );
  }
  if (JSON.stringify(ours.default) !== JSON.stringify(upstream.default)) {
    diffs.push(
      `${at}: default ours=${JSON.stringify(ours.default)} upstream=${JSON.stringify(upstream.default)}`,
    );
  }
  if (ours.format !== upstream.format) {
    diffs.push(`${at}: format ours=${String(ours.format)} upstream=${String(upstream.format)}`);
  }
  for (const key of ['minimum', 'maximum'] as const) {
    if (bound(ours[key]) !== bound(upstream[key])) {
      diffs.push(
        `${at}: ${key} ours=${String(bound(ours[key]))} upstream=${String(bound(upstream[key]))}`,
      );
    }
  }

  let ourRequired = [...((ours.required as string[] | undefined) ?? [])];
  if (path === '') ourRequired = ourRequired.filter((name) => !ROOT_FIELDS_WE_REQUIRE.has(name));
  const upRequired = (upstream.required as string[] | undefined) ?? [];
  if (JSON.stringify([...ourRequired].sort()) !== JSON.stringify([...upRequired].sort())) {
    diffs.push(
      `${at}: required ours=${JSON.stringify(ourRequired)} upstream=${JSON.stringify(upRequired)}`,
    );
  }

  const ourProps = asJson(ours.properties) ?? {};
  const upProps = asJson(upstream.properties) ?? {};
  for (const name of Object.keys(upProps)) {
    if (!(name in ourProps)) diffs.push(`${path}.${name}: upstream has it, our schema lacks it`);
  }
  for (const name of Object.keys(ourProps)) {
    if (!(name in upProps)) diffs.push(`${path}.${name}: our schema has it, upstream lacks it`);
  }
  for (const name of Object.keys(ourProps)) {
    const o = asJson(ourProps[name]);
    const u = asJson(upProps[name]);
    if (o !== undefined && u !== undefined) compare(o, u, `${path}.${name}`, diffs);
  }

  const ourItems = asJson(ours.items);
  const upItems = asJson(upstream.items);
  if ((ourItems === undefined) !== (upItems === undefined)) {
    diffs.push(`${at}: items ours=${JSON.stringify(ourItems)} upstream=${JSON.stringify(upItems)}`);
  } else if (ourItems !== undefined && upItems !== undefined) {
    compare(ourItems, upItems, `${path}[]`, diffs);
  }

  // Maps (labels/annotations): upstream `additionalProperties: {type: string}`. A loose object
  // shows up on our side as `additionalProperties: {}`, which is no map.
  const ourMap = asJson(ours.additionalProperties);
  const upMap = asJson(upstream.additionalProperties);
  const ourValues = ourMap !== undefined && Object.keys(ourMap).length > 0 ? ourMap : undefined;
  if ((ourValues === undefined) !== (upMap === undefined)) {
    diffs.push(
      `${at}: map values ours=${JSON.stringify(ourValues)} upstream=${JSON.stringify(upMap)}`,
    );
  } else if (ourValues !== undefined && upMap !== undefined) {
    compare(ourValues, upMap, `${path}.*`, diffs);
  }
}

/** Differences between a Zod schema (as input JSON Schema) and an upstream `openAPIV3Schema`. */
export function schemaDiffs(ours: z.ZodType, upstream: Json): string[] {
  const diffs: string[] = [];
  compare(z.toJSONSchema(ours, { io: 'input' }), upstream, '', diffs);
  return diffs;
}
