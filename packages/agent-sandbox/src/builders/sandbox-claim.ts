/**
 * Builds a SandboxClaim. v1beta1 claims name a warm pool (`spec.warmPoolRef`); v1alpha1 claims
 * name a template and optionally a pool policy (`spec.warmpool`).
 */
import { KubeInvalidArgumentError, UnsupportedRequestError } from '../errors/config-errors.js';
import { LABELS } from '../names.js';
import { apiVersionOf } from '../resources.js';
import { SCHEMAS } from '../schemas/registry.js';
import type {
  ClaimShutdownPolicy,
  SandboxClaimInput,
  SandboxClaimV1alpha1Input,
} from '../schemas/sandbox-claim.js';
import {
  objectMeta,
  optionalNonNegativeInt,
  requireString,
  toDateTime,
  validated,
  versionOf,
} from './common.js';
import type { StringMap } from './common.js';
import type { VolumeClaimTemplateInput } from './sandbox-template.js';

/** The value Corral puts in `agents.x-k8s.io/created-by` unless `labels` overrides it. */
export const CORRAL_CREATED_BY = 'corral';

export interface SandboxClaimLifecycleOptions {
  /** Absolute expiry. Mutually exclusive with `shutdownAfterMs`. */
  shutdownTime?: Date | string;
  /** Expiry relative to `now` (rounded up to whole seconds). */
  shutdownAfterMs?: number;
  /** Expire this long after the pod finished (`Finished=True`). */
  ttlSecondsAfterFinished?: number;
  /** What expiry does; upstream default `Retain` keeps the claim object. */
  shutdownPolicy?: ClaimShutdownPolicy;
}

export interface SandboxClaimOptions {
  /** Exactly one of `name` and `generateName`. */
  name?: string;
  generateName?: string;
  namespace?: string;
  /**
   * v1beta1: the SandboxWarmPool to take a sandbox from (required).
   * v1alpha1: `spec.warmpool` — a pool name, `'default'` (any pool of the template) or `'none'` (cold).
   */
  warmPool?: string;
  /** v1alpha1 only: the SandboxTemplate (required there). */
  template?: string;
  lifecycle?: SandboxClaimLifecycleOptions;
  /** Labels/annotations added to the sandbox pod (label keys need an allowed domain upstream). */
  additionalPodMetadata?: { labels?: StringMap; annotations?: StringMap };
  /** Injected env vars (forces a cold start; the template must allow it). */
  env?: Record<string, string> | { name: string; value: string; containerName?: string }[];
  /** v1beta1 only (forces a cold start; the template must allow it). */
  volumeClaimTemplates?: VolumeClaimTemplateInput[];
  labels?: StringMap;
  annotations?: StringMap;
  /** Clock for `shutdownAfterMs`: epoch ms or a Date; default `Date.now()`. */
  now?: number | Date;
  version?: 'v1beta1' | 'v1alpha1';
}

const FN = 'buildSandboxClaim';

function lifecycleSpec(
  lifecycle: SandboxClaimLifecycleOptions,
  now: number | Date | undefined,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (lifecycle.shutdownTime !== undefined && lifecycle.shutdownAfterMs !== undefined) {
    throw new KubeInvalidArgumentError(
      `${FN}: lifecycle.shutdownTime and lifecycle.shutdownAfterMs are mutually exclusive; pass one`,
    );
  }
  if (lifecycle.shutdownTime !== undefined) {
    out.shutdownTime = toDateTime(lifecycle.shutdownTime, 'lifecycle.shutdownTime', FN);
  }
  if (lifecycle.shutdownAfterMs !== undefined) {
    const after = lifecycle.shutdownAfterMs;
    if (typeof after !== 'number' || !Number.isFinite(after) || after < 0) {
      throw new KubeInvalidArgumentError(
        `${FN}: lifecycle.shutdownAfterMs must be a non-negative number of milliseconds (got ${JSON.stringify(after)})`,
      );
    }
    const base = now === undefined ? Date.now() : now instanceof Date ? now.getTime() : now;
    out.shutdownTime = toDateTime(base + after, 'lifecycle.shutdownAfterMs', FN);
  }
  const ttl = optionalNonNegativeInt(
    lifecycle.ttlSecondsAfterFinished,
    'lifecycle.ttlSecondsAfterFinished',
    FN,
  );
  if (ttl !== undefined) out.ttlSecondsAfterFinished = ttl;
  if (lifecycle.shutdownPolicy !== undefined) out.shutdownPolicy = lifecycle.shutdownPolicy;
  return out;
}

function envSpec(env: NonNullable<SandboxClaimOptions['env']>): unknown[] {
  if (Array.isArray(env)) return env.map((e) => ({ ...e }));
  return Object.entries(env).map(([name, value]) => ({ name, value }));
}

export function buildSandboxClaim(
  options: SandboxClaimOptions & { version?: 'v1beta1' },
): SandboxClaimInput;
export function buildSandboxClaim(
  options: SandboxClaimOptions & { version: 'v1alpha1' },
): SandboxClaimV1alpha1Input;
export function buildSandboxClaim(
  options: SandboxClaimOptions,
): SandboxClaimInput | SandboxClaimV1alpha1Input;
export function buildSandboxClaim(
  options: SandboxClaimOptions,
): SandboxClaimInput | SandboxClaimV1alpha1Input {
  const version = versionOf(options.version, FN);
  if ((options.name === undefined) === (options.generateName === undefined)) {
    throw new KubeInvalidArgumentError(
      `${FN}: pass exactly one of name and generateName (got ${options.name === undefined ? 'neither' : 'both'})`,
    );
  }
  const display =
    options.name !== undefined
      ? requireString(options.name, 'name', FN)
      : `${requireString(options.generateName, 'generateName', FN)}*`;

  const spec: Record<string, unknown> = {};
  if (version === 'v1beta1') {
    if (options.warmPool === undefined) {
      throw new UnsupportedRequestError(
        options.template !== undefined
          ? `${FN}: v1beta1 SandboxClaims name a warm pool (spec.warmPoolRef), not a template. ` +
              `Create a SandboxWarmPool for template "${options.template}" — with replicas: 0 for ` +
              `cold starts only, e.g. buildSandboxWarmPool({ name: '${options.template}', template: '${options.template}', replicas: 0 }) — ` +
              'and pass its name as warmPool'
          : `${FN}: warmPool is required for a v1beta1 SandboxClaim (the SandboxWarmPool to take a sandbox from; ` +
              'use a pool with replicas: 0 for cold starts only)',
      );
    }
    if (options.template !== undefined) {
      throw new KubeInvalidArgumentError(
        `${FN}: a v1beta1 SandboxClaim takes only warmPool; the pool decides the template. Drop template "${options.template}"`,
      );
    }
    spec.warmPoolRef = { name: requireString(options.warmPool, 'warmPool', FN) };
  } else {
    if (options.template === undefined) {
      throw new KubeInvalidArgumentError(
        `${FN}: template is required for a v1alpha1 SandboxClaim (spec.sandboxTemplateRef.name)`,
      );
    }
    if (options.volumeClaimTemplates !== undefined) {
      throw new KubeInvalidArgumentError(
        `${FN}: v1alpha1 SandboxClaims have no volumeClaimTemplates; put them in the template or use v1beta1`,
      );
    }
    spec.sandboxTemplateRef = { name: requireString(options.template, 'template', FN) };
    if (options.warmPool !== undefined)
      spec.warmpool = requireString(options.warmPool, 'warmPool', FN);
  }
  if (options.lifecycle !== undefined)
    spec.lifecycle = lifecycleSpec(options.lifecycle, options.now);
  if (options.additionalPodMetadata !== undefined) {
    spec.additionalPodMetadata = objectMeta(options.additionalPodMetadata);
  }
  if (options.env !== undefined) spec.env = envSpec(options.env);
  if (options.volumeClaimTemplates !== undefined) {
    spec.volumeClaimTemplates = options.volumeClaimTemplates;
  }

  const claim = {
    apiVersion: apiVersionOf('SandboxClaim', version),
    kind: 'SandboxClaim',
    metadata: objectMeta({
      name: options.name,
      generateName: options.generateName,
      namespace: options.namespace,
      labels: { [LABELS.createdBy]: CORRAL_CREATED_BY, ...options.labels },
      annotations: options.annotations,
    }),
    spec,
  };
  return validated(SCHEMAS[version].SandboxClaim, 'SandboxClaim', display, claim) as
    SandboxClaimInput | SandboxClaimV1alpha1Input;
}
