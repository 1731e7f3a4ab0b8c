/**
 * The claim's pool and template (upstream `getWarmPool`, `getTemplate`, `getTemplateForWarmPool`),
 * read through the flavor's field names.
 */
import type { KubeObject } from '../../store/types.js';
import type { ControllerContext } from '../context.js';
import { ClaimError, refName, spec } from './claim-shared.js';

export function poolNameOf(claim: KubeObject): string {
  return refName(spec(claim).warmPoolRef);
}

export function templateNameOf(claim: KubeObject): string {
  return refName(spec(claim).sandboxTemplateRef);
}

/** Alpha `spec.warmpool`: `none` | `default` | a pool name (v0.1.0 behaves like `default`). */
export function warmPolicyOf(claim: KubeObject): string {
  const policy = spec(claim).warmpool;
  return typeof policy === 'string' && policy !== '' ? policy : 'default';
}

export function getPool(ctx: ControllerContext, claim: KubeObject): KubeObject {
  const name = poolNameOf(claim);
  const pool = ctx.store.get(ctx.gvr.pools, claim.metadata.namespace, name);
  if (pool === undefined) {
    throw new ClaimError('WarmPoolNotFound', `SandboxWarmPool "${name}" not found`);
  }
  return pool;
}

export function getTemplate(ctx: ControllerContext, claim: KubeObject): KubeObject {
  const name =
    ctx.flavor === 'v1beta1'
      ? refName(spec(getPool(ctx, claim)).sandboxTemplateRef)
      : templateNameOf(claim);
  const template = ctx.store.get(ctx.gvr.templates, claim.metadata.namespace, name);
  if (template === undefined) {
    throw new ClaimError('TemplateNotFound', `SandboxTemplate "${name}" not found`);
  }
  return template;
}
