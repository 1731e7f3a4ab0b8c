/** Builds a standalone Sandbox (no claim, no pool): from a full pod spec or from an image. */
import type { V1PodSpec } from '@kubernetes/client-node';
import { KubeInvalidArgumentError } from '../errors/config-errors.js';
import { apiVersionOf } from '../resources.js';
import { SCHEMAS } from '../schemas/registry.js';
import type {
  SandboxInput,
  SandboxOperatingMode,
  SandboxShutdownPolicy,
  SandboxV1alpha1Input,
} from '../schemas/sandbox.js';
import { objectMeta, requireString, toDateTime, validated, versionOf } from './common.js';
import type { StringMap } from './common.js';
import { buildPodSpec } from './pod-spec.js';
import type { PodSpecOptions } from './pod-spec.js';
import type { VolumeClaimTemplateInput } from './sandbox-template.js';

export interface SandboxOptions extends Partial<PodSpecOptions> {
  name: string;
  namespace?: string;
  labels?: StringMap;
  annotations?: StringMap;
  /**
   * Without `image`: the pod spec, used as given (no secure defaults added). With `image`: merged
   * over the secure pod `buildPodSpec` makes around it.
   */
  podSpec?: Partial<V1PodSpec>;
  podLabels?: StringMap;
  podAnnotations?: StringMap;
  volumeClaimTemplates?: VolumeClaimTemplateInput[];
  /** true: create a headless Service named after the Sandbox. */
  service?: boolean;
  /** Absolute expiry. Mutually exclusive with `shutdownAfterMs`. */
  shutdownTime?: Date | string;
  /** Expiry relative to `now` (rounded up to whole seconds). */
  shutdownAfterMs?: number;
  /** Clock for `shutdownAfterMs`: epoch ms or a Date; default `Date.now()`. */
  now?: number | Date;
  shutdownPolicy?: SandboxShutdownPolicy;
  /** v1beta1 only. */
  operatingMode?: SandboxOperatingMode;
  /** v1alpha1 only: 1 running, 0 suspended. */
  replicas?: 0 | 1;
  version?: 'v1beta1' | 'v1alpha1';
}

const FN = 'buildSandbox';

export function buildSandbox(options: SandboxOptions & { version?: 'v1beta1' }): SandboxInput;
export function buildSandbox(
  options: SandboxOptions & { version: 'v1alpha1' },
): SandboxV1alpha1Input;
export function buildSandbox(options: SandboxOptions): SandboxInput | SandboxV1alpha1Input;
export function buildSandbox(options: SandboxOptions): SandboxInput | SandboxV1alpha1Input {
  const version = versionOf(options.version, FN);
  const name = requireString(options.name, 'name', FN);
  if (version === 'v1beta1' && options.replicas !== undefined) {
    throw new KubeInvalidArgumentError(
      `${FN}: v1beta1 Sandboxes have no replicas; use operatingMode: 'Running' or 'Suspended'`,
    );
  }
  if (version === 'v1alpha1' && options.operatingMode !== undefined) {
    throw new KubeInvalidArgumentError(
      `${FN}: v1alpha1 Sandboxes have no operatingMode; use replicas: 1 (running) or 0 (suspended)`,
    );
  }
  let podSpec: unknown;
  if (options.podSpec !== undefined && options.image === undefined) {
    podSpec = options.podSpec;
  } else if (options.image !== undefined) {
    podSpec = buildPodSpec(options as PodSpecOptions, FN);
  } else {
    throw new KubeInvalidArgumentError(
      `${FN}: pass image (a secure default pod is built around it) or podSpec (used as given)`,
    );
  }
  const podMetadata = objectMeta({
    labels: options.podLabels,
    annotations: options.podAnnotations,
  });
  const spec: Record<string, unknown> = {
    podTemplate: {
      ...(Object.keys(podMetadata).length > 0 ? { metadata: podMetadata } : {}),
      spec: podSpec,
    },
  };
  if (options.volumeClaimTemplates !== undefined)
    spec.volumeClaimTemplates = options.volumeClaimTemplates;
  if (options.service !== undefined) spec.service = options.service;
  if (options.shutdownTime !== undefined && options.shutdownAfterMs !== undefined) {
    throw new KubeInvalidArgumentError(
      `${FN}: shutdownTime and shutdownAfterMs are mutually exclusive; pass one`,
    );
  }
  if (options.shutdownTime !== undefined) {
    spec.shutdownTime = toDateTime(options.shutdownTime, 'shutdownTime', FN);
  }
  if (options.shutdownAfterMs !== undefined) {
    const after = options.shutdownAfterMs;
    if (typeof after !== 'number' || !Number.isFinite(after) || after < 0) {
      throw new KubeInvalidArgumentError(
        `${FN}: shutdownAfterMs must be a non-negative number of milliseconds (got ${JSON.stringify(after)})`,
      );
    }
    const now = options.now;
    const base = now === undefined ? Date.now() : now instanceof Date ? now.getTime() : now;
    spec.shutdownTime = toDateTime(base + after, 'shutdownAfterMs', FN);
  }
  if (options.shutdownPolicy !== undefined) spec.shutdownPolicy = options.shutdownPolicy;
  if (options.operatingMode !== undefined) spec.operatingMode = options.operatingMode;
  if (options.replicas !== undefined) spec.replicas = options.replicas;
  const sandbox = {
    apiVersion: apiVersionOf('Sandbox', version),
    kind: 'Sandbox',
    metadata: objectMeta({
      name,
      namespace: options.namespace,
      labels: options.labels,
      annotations: options.annotations,
    }),
    spec,
  };
  return validated(SCHEMAS[version].Sandbox, 'Sandbox', name, sandbox) as
    SandboxInput | SandboxV1alpha1Input;
}
