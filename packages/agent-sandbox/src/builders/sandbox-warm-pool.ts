/** Builds a SandboxWarmPool. `replicas` is required: upstream silently defaults it to 1. */
import { KubeInvalidArgumentError } from '../errors/config-errors.js';
import { apiVersionOf } from '../resources.js';
import { SCHEMAS } from '../schemas/registry.js';
import type {
  SandboxWarmPoolInput,
  SandboxWarmPoolV1alpha1Input,
  WarmPoolUpdateStrategy,
} from '../schemas/sandbox-warm-pool.js';
import { objectMeta, requireString, validated, versionOf } from './common.js';
import type { StringMap } from './common.js';

export interface SandboxWarmPoolOptions {
  name: string;
  namespace?: string;
  /** Name of the SandboxTemplate (same namespace). */
  template: string;
  /** Unclaimed sandboxes to keep ready. 0 = a cold-start-only pool (claims still work). */
  replicas: number;
  /** `OnReplenish` (upstream default): stale members stay until claimed; `Recreate`: replaced now. */
  updateStrategy?: WarmPoolUpdateStrategy;
  labels?: StringMap;
  annotations?: StringMap;
  version?: 'v1beta1' | 'v1alpha1';
}

const FN = 'buildSandboxWarmPool';

export function buildSandboxWarmPool(
  options: SandboxWarmPoolOptions & { version?: 'v1beta1' },
): SandboxWarmPoolInput;
export function buildSandboxWarmPool(
  options: SandboxWarmPoolOptions & { version: 'v1alpha1' },
): SandboxWarmPoolV1alpha1Input;
export function buildSandboxWarmPool(
  options: SandboxWarmPoolOptions,
): SandboxWarmPoolInput | SandboxWarmPoolV1alpha1Input;
export function buildSandboxWarmPool(
  options: SandboxWarmPoolOptions,
): SandboxWarmPoolInput | SandboxWarmPoolV1alpha1Input {
  const version = versionOf(options.version, FN);
  const name = requireString(options.name, 'name', FN);
  const template = requireString(options.template, 'template', FN);
  const { replicas } = options as { replicas?: unknown };
  if (replicas === undefined) {
    throw new KubeInvalidArgumentError(
      `${FN}: replicas is required (upstream silently defaults a missing value to 1); ` +
        'pass the number of warm sandboxes to keep, or 0 for a cold-start-only pool',
    );
  }
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    throw new KubeInvalidArgumentError(
      `${FN}: replicas must be a non-negative integer (got ${JSON.stringify(replicas)})`,
    );
  }
  const spec: Record<string, unknown> = { replicas, sandboxTemplateRef: { name: template } };
  if (options.updateStrategy !== undefined) spec.updateStrategy = { type: options.updateStrategy };
  const pool = {
    apiVersion: apiVersionOf('SandboxWarmPool', version),
    kind: 'SandboxWarmPool',
    metadata: objectMeta({
      name,
      namespace: options.namespace,
      labels: options.labels,
      annotations: options.annotations,
    }),
    spec,
  };
  return validated(SCHEMAS[version].SandboxWarmPool, 'SandboxWarmPool', name, pool) as
    SandboxWarmPoolInput | SandboxWarmPoolV1alpha1Input;
}
