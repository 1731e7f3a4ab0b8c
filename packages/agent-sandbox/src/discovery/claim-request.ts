import { KubeInvalidArgumentError, UnsupportedRequestError } from '../errors/config-errors.js';
import type { ApiVersionName } from '../resources.js';

/** What a caller wants a claim to run: a sandbox from a warm pool, or from a template. */
export interface ClaimRequest {
  /** SandboxWarmPool name (same namespace). */
  warmPool?: string;
  /** SandboxTemplate name (same namespace). */
  template?: string;
}

export type ClaimSpecFragment =
  { warmPoolRef: { name: string } } | { sandboxTemplateRef: { name: string }; warmpool?: string };

/** Looks up the template a warm pool uses; `undefined` when the pool does not exist. */
export type PoolTemplateLookup = (pool: string) => Promise<string | undefined>;

/**
 * Turns a claim request into the `spec` fragment the served version understands.
 *
 * - v1beta1 claims take only `warmPoolRef.name`; the template comes from the pool.
 * - v1alpha1 claims take `sandboxTemplateRef.name` plus `warmpool` (`none` = always cold, a
 *   pool name = that pool).
 */
export async function resolveClaimRequest(
  request: ClaimRequest,
  version: ApiVersionName,
  lookupPoolTemplate?: PoolTemplateLookup,
): Promise<ClaimSpecFragment> {
  const { warmPool, template } = request;
  if (warmPool === undefined && template === undefined) {
    throw new KubeInvalidArgumentError(
      'A claim request needs a warm pool ({ warmPool: "<pool>" }) or a template ({ template: "<template>" }).',
    );
  }
  if (version === 'v1beta1') {
    if (warmPool === undefined) {
      throw new UnsupportedRequestError(
        `The cluster serves SandboxClaim v1beta1, which cannot name a template: a claim names a SandboxWarmPool (spec.warmPoolRef.name). ` +
          `To start "${template}" cold, create a SandboxWarmPool with spec.sandboxTemplateRef.name: ${template} and replicas: 0, and claim from it.`,
      );
    }
    // A template given together with a pool is redundant on v1beta1: the pool names the template.
    return { warmPoolRef: { name: warmPool } };
  }
  if (template !== undefined) {
    return { sandboxTemplateRef: { name: template }, warmpool: warmPool ?? 'none' };
  }
  const pool = warmPool as string;
  if (lookupPoolTemplate === undefined) {
    throw new UnsupportedRequestError(
      `The cluster serves SandboxClaim v1alpha1, which needs a template name; pass { template } along with { warmPool: "${pool}" }.`,
    );
  }
  const poolTemplate = await lookupPoolTemplate(pool);
  if (poolTemplate === undefined) {
    throw new UnsupportedRequestError(
      `The cluster serves SandboxClaim v1alpha1, which needs the template of warm pool "${pool}", but that SandboxWarmPool does not exist. Create the pool or pass { template }.`,
    );
  }
  return { sandboxTemplateRef: { name: poolTemplate }, warmpool: pool };
}
