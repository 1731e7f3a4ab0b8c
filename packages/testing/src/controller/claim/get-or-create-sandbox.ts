/**
 * Binding (upstream `reconcileActive` and `getOrCreateSandbox`): find the claim's Sandbox, keep a
 * bound one's metadata in line, or adopt a warm one / create a cold one.
 */
import { ANNOTATIONS, LABELS, nameHash } from '@corral/agent-sandbox';
import type { KubeObject } from '../../store/types.js';
import { FIELD_MANAGER, type ControllerContext } from '../context.js';
import {
  annotationsOf,
  clone,
  controllerOf,
  deepEqual,
  errorMessage,
  isControlledBy,
  isObj,
  labelsOf,
} from '../kube.js';
import { warmPolicyOf, getTemplate } from './get-template.js';
import {
  candidateProblem,
  adoptFromCandidates,
  completeAdoptionResolved,
} from './adopt-sandbox-from-candidates.js';
import { additionalMetadata, validateAdditionalPodMetadata } from './merge-pod-metadata.js';
import { createSandbox } from './create-sandbox.js';
import { ClaimError, spec, type Resolved } from './claim-shared.js';
import { templatePodMetadata } from './sandbox-identity.js';

// ---- active ----
export function reconcileActive(ctx: ControllerContext, holder: { claim: KubeObject }): Resolved {
  try {
    const metaErr = validateAdditionalPodMetadata(ctx, holder.claim);
    if (metaErr !== undefined)
      throw new ClaimError('InvalidMetadata', `invalid additionalPodMetadata: ${metaErr}`);
    const found = getOrCreateSandbox(ctx, holder);
    if (found !== undefined)
      return { sandbox: syncBoundMetadata(ctx, holder.claim, found), err: undefined };
    const template = getTemplate(ctx, holder.claim);
    return { sandbox: createSandbox(ctx, holder.claim, template), err: undefined };
  } catch (e) {
    return { sandbox: undefined, err: e };
  }
}

export function getOrCreateSandbox(
  ctx: ControllerContext,
  holder: { claim: KubeObject },
): KubeObject | undefined {
  const { store, gvr } = ctx;
  const claim = holder.claim;
  const ns = claim.metadata.namespace;
  const status = isObj(claim.status) ? claim.status : {};
  const statusName =
    isObj(status.sandbox) && typeof status.sandbox.name === 'string' ? status.sandbox.name : '';
  const assigned = annotationsOf(claim)[ANNOTATIONS.sandboxName] ?? '';

  if (statusName !== '') {
    const sb = store.get(gvr.sandboxes, ns, statusName);
    if (sb !== undefined && isControlledBy(sb, claim)) {
      const warm = assigned === statusName || statusName !== claim.metadata.name;
      return ensureLaunchType(ctx, sb, warm ? 'warm' : 'cold');
    }
  }

  if (assigned !== '') {
    const sb = store.get(gvr.sandboxes, ns, assigned);
    if (sb === undefined) {
      dropAssignedAnnotation(ctx, holder);
    } else if (isControlledBy(sb, claim)) {
      return ensureLaunchType(ctx, sb, 'warm');
    } else {
      const ref = controllerOf(sb);
      if (ref?.kind === 'SandboxWarmPool') {
        if (candidateProblem(ctx, sb, claim) !== undefined) dropAssignedAnnotation(ctx, holder);
        else return completeAdoptionResolved(ctx, holder.claim, sb);
      } else if (ref?.kind === 'SandboxClaim') {
        dropAssignedAnnotation(ctx, holder);
      }
    }
  }

  const byName = store.get(gvr.sandboxes, ns, holder.claim.metadata.name ?? '');
  if (byName !== undefined) {
    if (!isControlledBy(byName, holder.claim)) {
      throw new Error(
        `sandbox "${byName.metadata.name}" is not controlled by claim "${holder.claim.metadata.name}". Please use a different claim name or delete the sandbox manually`,
      );
    }
    return ensureLaunchType(ctx, byName, 'cold');
  }

  const claimSpec = spec(holder.claim);
  const hasEnv = Array.isArray(claimSpec.env) && claimSpec.env.length > 0;
  if (ctx.flavor === 'v1beta1') {
    const hasVcts =
      Array.isArray(claimSpec.volumeClaimTemplates) && claimSpec.volumeClaimTemplates.length > 0;
    if (hasEnv || hasVcts) return undefined;
  } else {
    const policy = warmPolicyOf(holder.claim);
    if (policy !== 'none' && hasEnv)
      throw new Error('custom environment variables are not supported when using a warm pool');
    if (policy === 'none') return undefined;
  }
  return adoptFromCandidates(ctx, holder);
}

export function ensureLaunchType(
  ctx: ControllerContext,
  sandbox: KubeObject,
  launchType: 'cold' | 'warm',
): KubeObject {
  if (labelsOf(sandbox)[LABELS.launchType] !== undefined) return sandbox;
  return ctx.store.patch(
    ctx.gvr.sandboxes,
    sandbox.metadata.namespace,
    sandbox.metadata.name ?? '',
    { metadata: { labels: { [LABELS.launchType]: launchType } } },
    'merge',
    { fieldManager: FIELD_MANAGER },
  );
}

export function dropAssignedAnnotation(
  ctx: ControllerContext,
  holder: { claim: KubeObject },
): void {
  holder.claim = ctx.store.patch(
    ctx.gvr.claims,
    holder.claim.metadata.namespace,
    holder.claim.metadata.name ?? '',
    { metadata: { annotations: { [ANNOTATIONS.sandboxName]: null } } },
    'merge',
    { fieldManager: FIELD_MANAGER },
  );
}

/** Keeps a bound Sandbox's pod metadata in line with template + claim (upstream's fast path). */
export function syncBoundMetadata(
  ctx: ControllerContext,
  claim: KubeObject,
  sandbox: KubeObject,
): KubeObject {
  let template: KubeObject | undefined;
  try {
    template = getTemplate(ctx, claim);
  } catch (e) {
    const { labels, annotations } = additionalMetadata(claim);
    if (Object.keys(labels).length > 0 || Object.keys(annotations).length > 0) {
      throw new Error(`failed to get template for metadata propagation: ${errorMessage(e)}`);
    }
    return sandbox;
  }
  const templateHash = nameHash(template.metadata.name ?? '');
  const merged = templatePodMetadata(ctx, template, claim, templateHash);
  const sbSpec = spec(sandbox);
  const pt = isObj(sbSpec.podTemplate) ? sbSpec.podTemplate : {};
  const labels = { ...labelsOf(sandbox) };
  let needsUpdate = !deepEqual(merged, isObj(pt.metadata) ? pt.metadata : {});
  if (labels[LABELS.sandboxTemplateRefHash] !== templateHash) {
    labels[LABELS.sandboxTemplateRefHash] = templateHash;
    needsUpdate = true;
  }
  if (ctx.flavor === 'v1beta1') {
    const createdBy = labelsOf(claim)[LABELS.createdBy];
    if (createdBy !== undefined && createdBy !== '') {
      if (labels[LABELS.createdBy] !== createdBy) {
        labels[LABELS.createdBy] = createdBy;
        needsUpdate = true;
      }
    } else if (labels[LABELS.createdBy] !== undefined) {
      delete labels[LABELS.createdBy];
      needsUpdate = true;
    }
  }
  if (!needsUpdate) return sandbox;
  const updated = clone(sandbox);
  updated.metadata.labels = labels;
  updated.spec = { ...clone(sbSpec), podTemplate: { ...clone(pt), metadata: merged } };
  try {
    return ctx.store.update(ctx.gvr.sandboxes, updated, {
      fieldManager: FIELD_MANAGER,
    });
  } catch (e) {
    throw new Error(
      `failed to patch sandbox metadata for claim "${claim.metadata.name}": ${errorMessage(e)}`,
    );
  }
}
