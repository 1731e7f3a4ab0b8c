/**
 * Warm adoption (upstream `getCandidate`, `adoptSandboxFromCandidates`, `completeAdoption`,
 * `verifySandboxCandidate`): take a pool member over for a claim.
 */
import { ANNOTATIONS, LABELS, nameHash } from '@corral/agent-sandbox';
import type { KubeObject } from '../../store/types.js';
import { blueprintHash, blueprintMatches } from '../blueprint.js';
import { FIELD_MANAGER, type ControllerContext } from '../context.js';
import {
  annotationsOf,
  clone,
  controllerOf,
  controllerRef,
  errorMessage,
  groupOf,
  isConflict,
  isControlledBy,
  isDeleting,
  isNotFound,
  isObj,
  labelsOf,
  parseTime,
  type Obj,
} from '../kube.js';
import { poolNameOf, templateNameOf, warmPolicyOf, getTemplate } from './get-template.js';
import { claimEvent } from './check-expiration.js';
import { templatePodMetadata, identityLabels } from './sandbox-identity.js';
import { mergePodMetadata } from './merge-pod-metadata.js';
import {
  ClaimError,
  PendingWarmCandidates,
  WARM_RETRY_INTERVAL_MS,
  spec,
  stringMap,
  refName,
  sandboxReady,
  sandboxPodIPs,
} from './claim-shared.js';

/** `verifySandboxCandidate` + `isAdoptable`: undefined when the Sandbox may be adopted. */
export function candidateProblem(
  ctx: ControllerContext,
  sb: KubeObject,
  claim: KubeObject,
): string | undefined {
  if (sb.metadata.namespace !== claim.metadata.namespace)
    return 'cross-namespace adoption forbidden';
  if (isDeleting(sb)) return 'sandbox is deleted';
  const labels = labelsOf(sb);
  if (labels[LABELS.warmPoolSandbox] === undefined)
    return 'sandbox is missing the warm pool sandbox label';
  if (labels[LABELS.sandboxTemplateRefHash] === undefined)
    return 'sandbox is missing the sandbox template ref hash label';
  const ref = controllerOf(sb);
  if (ref === undefined) return 'unowned';
  if (ref.kind !== 'SandboxWarmPool' || groupOf(ref.apiVersion) !== ctx.gvr.pools.group)
    return 'not managed by warm pool';
  if (ctx.flavor === 'v1beta1' && ref.name !== poolNameOf(claim)) return 'incorrect warm pool';
  if (ctx.flavor !== 'v1beta1') {
    if (labels[LABELS.sandboxTemplateRefHash] !== nameHash(templateNameOf(claim)))
      return 'incorrect template';
    const policy = warmPolicyOf(claim);
    if (policy !== 'default' && labels[LABELS.warmPoolSandbox] !== nameHash(policy))
      return 'incorrect warm pool';
  }
  return undefined;
}

export function adoptFromCandidates(
  ctx: ControllerContext,
  holder: { claim: KubeObject },
): KubeObject | undefined {
  const { store, gvr } = ctx;
  const claim = holder.claim;
  const ns = claim.metadata.namespace ?? '';
  const selector =
    ctx.flavor === 'v1beta1'
      ? `${LABELS.warmPoolSandbox}=${nameHash(poolNameOf(claim))}`
      : `${LABELS.warmPoolSandbox},${LABELS.sandboxTemplateRefHash}=${nameHash(templateNameOf(claim))}`;
  const candidates = store
    .list(gvr.sandboxes, { namespace: ns, labelSelector: selector })
    .items.filter((sb) => candidateProblem(ctx, sb, claim) === undefined)
    .sort(
      (a, b) =>
        (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') ||
        Number(a.metadata.resourceVersion) - Number(b.metadata.resourceVersion),
    );

  let recreate: { hash: string; template: KubeObject } | undefined;
  if (ctx.flavor === 'v1beta1' && candidates.length > 0) {
    const pool = store.get(gvr.pools, ns, poolNameOf(claim));
    const strategy =
      pool !== undefined && isObj(spec(pool).updateStrategy)
        ? (spec(pool).updateStrategy as Obj).type
        : undefined;
    if (strategy === 'Recreate') {
      const template = store.get(
        gvr.templates,
        ns,
        refName(spec(pool as KubeObject).sandboxTemplateRef),
      );
      if (template !== undefined) recreate = { hash: blueprintHash(template), template };
    }
  }

  let pending = 0;
  let fallback: KubeObject | undefined;
  let chosen: KubeObject | undefined;
  for (const sb of candidates) {
    if (
      recreate !== undefined &&
      labelsOf(sb)[LABELS.sandboxTemplateHash] !== recreate.hash &&
      !blueprintMatches(recreate.template, spec(sb))
    )
      continue;
    if (ctx.flavor !== 'v0.1.0' && sandboxPodIPs(sb).length === 0 && ctx.flavor === 'v1beta1') {
      pending++;
      continue;
    }
    if (sandboxReady(sb)) {
      chosen = sb;
      break;
    }
    fallback ??= sb;
  }
  chosen ??= fallback;
  if (chosen === undefined) {
    if (pending > 0) {
      const created = parseTime(claim.metadata.creationTimestamp);
      if (created !== undefined) {
        const remaining = created + ctx.warmPoolAdoptionWaitMs - ctx.timers.now();
        if (remaining > 0)
          throw new PendingWarmCandidates(Math.min(WARM_RETRY_INTERVAL_MS, remaining));
      }
    }
    return undefined;
  }
  return adopt(ctx, holder, chosen);
}

export function adopt(
  ctx: ControllerContext,
  holder: { claim: KubeObject },
  candidate: KubeObject,
): KubeObject {
  const { store, gvr } = ctx;
  // (a) record the assignment on the claim, optimistic and retried on conflict
  for (let attempt = 0; ; attempt++) {
    const claim = clone(holder.claim);
    claim.metadata.annotations = {
      ...annotationsOf(claim),
      [ANNOTATIONS.sandboxName]: candidate.metadata.name ?? '',
    };
    try {
      holder.claim = store.update(gvr.claims, claim, { fieldManager: FIELD_MANAGER });
      break;
    } catch (e) {
      if (!isConflict(e) || attempt >= 4) {
        if (isConflict(e))
          throw new ClaimError(
            'AdoptionConflict',
            `adoption write conflict: claim ${claim.metadata.name} (conflicting concurrent write)`,
          );
        throw e;
      }
      const fresh = store.get(gvr.claims, claim.metadata.namespace, claim.metadata.name ?? '');
      if (fresh === undefined || isDeleting(fresh)) throw e;
      fresh.status = holder.claim.status;
      holder.claim = fresh;
    }
  }
  const adopted = completeAdoptionResolved(ctx, holder.claim, candidate);
  claimEvent(
    ctx,
    holder.claim,
    'Adoption',
    `Adopted warm pool Sandbox "${adopted.metadata.name}"`,
    'SandboxAdopted',
  );
  return adopted;
}

/** Completes adoption; a 404/409 is resolved by re-reading the Sandbox. */
export function completeAdoptionResolved(
  ctx: ControllerContext,
  claim: KubeObject,
  candidate: KubeObject,
): KubeObject {
  try {
    return completeAdoption(ctx, claim, candidate);
  } catch (e) {
    if (!isConflict(e) && !isNotFound(e))
      throw new Error(
        `failed to complete adoption of "${candidate.metadata.name}": ${errorMessage(e)}`,
      );
    const fresh = ctx.store.get(
      ctx.gvr.sandboxes,
      candidate.metadata.namespace,
      candidate.metadata.name ?? '',
    );
    if (fresh !== undefined && isControlledBy(fresh, claim)) return fresh;
    if (
      fresh !== undefined &&
      controllerOf(fresh)?.kind === 'SandboxWarmPool' &&
      candidateProblem(ctx, fresh, claim) === undefined
    ) {
      return completeAdoption(ctx, claim, fresh);
    }
    throw new ClaimError(
      'AdoptionConflict',
      `adoption write conflict: sandbox ${candidate.metadata.name} was taken by another writer`,
    );
  }
}

export function completeAdoption(
  ctx: ControllerContext,
  claim: KubeObject,
  candidate: KubeObject,
): KubeObject {
  const sb = clone(candidate);
  const labels = { ...labelsOf(sb) };
  let templateHash = labels[LABELS.sandboxTemplateRefHash] ?? '';
  delete labels[LABELS.warmPoolSandbox];
  delete labels[LABELS.sandboxPodTemplateHash];
  delete labels[LABELS.sandboxTemplateHash];
  labels[LABELS.launchType] = 'warm';
  const sbSpec = clone(spec(sb));
  const pt: Obj = isObj(sbSpec.podTemplate) ? sbSpec.podTemplate : {};
  const ptMeta: Obj = isObj(pt.metadata) ? pt.metadata : {};
  const ptAnnotations = stringMap(ptMeta.annotations);
  if (ptAnnotations[ANNOTATIONS.safeToEvict] === 'true')
    delete ptAnnotations[ANNOTATIONS.safeToEvict];
  ptMeta.annotations = ptAnnotations;
  sb.metadata.ownerReferences = [controllerRef(claim)];
  const annotations: Record<string, string> = {
    ...annotationsOf(sb),
    [ANNOTATIONS.podName]: sb.metadata.name ?? '',
  };
  const trace = annotationsOf(claim)[ANNOTATIONS.traceContext];
  if (trace !== undefined) annotations[ANNOTATIONS.traceContext] = trace;
  sb.metadata.annotations = annotations;
  sb.metadata.labels = identityLabels(ctx, labels, claim);
  ptMeta.labels = identityLabels(ctx, stringMap(ptMeta.labels), claim);

  let template: KubeObject | undefined;
  try {
    template = getTemplate(ctx, claim);
  } catch {
    template = undefined;
  }
  if (templateHash === '' && template !== undefined)
    templateHash = nameHash(template.metadata.name ?? '');
  if (templateHash !== '') sb.metadata.labels[LABELS.sandboxTemplateRefHash] = templateHash;
  if (template !== undefined) {
    const merged = templatePodMetadata(ctx, template, claim, templateHash);
    pt.metadata = merged;
  } else {
    if (templateHash !== '')
      ptMeta.labels = {
        ...stringMap(ptMeta.labels),
        [LABELS.sandboxTemplateRefHash]: templateHash,
      };
    mergePodMetadata(ptMeta, claim);
    pt.metadata = ptMeta;
  }
  sbSpec.podTemplate = pt;
  sb.spec = sbSpec;
  // Optimistic lock: resourceVersion from the candidate we chose.
  return ctx.store.update(ctx.gvr.sandboxes, sb, { fieldManager: FIELD_MANAGER });
}
