/**
 * The labels and pod metadata a claim's Sandbox carries (upstream computes them in
 * `getOrCreateSandbox` for both the warm and the cold path).
 */
import { LABELS } from '@corral/agent-sandbox';
import type { KubeObject } from '../../store/types.js';
import { templateSpec } from '../blueprint.js';
import type { ControllerContext } from '../context.js';
import { clone, isObj, labelsOf, type Obj } from '../kube.js';
import { mergePodMetadata } from './merge-pod-metadata.js';
import { stringMap } from './claim-shared.js';

export function templatePodMetadata(
  ctx: ControllerContext,
  template: KubeObject,
  claim: KubeObject,
  templateHash: string,
): Obj {
  const tpt = templateSpec(template).podTemplate;
  const merged: Obj = clone(isObj(tpt) && isObj(tpt.metadata) ? tpt.metadata : {});
  const labels = stringMap(merged.labels);
  labels[LABELS.claimUid] = claim.metadata.uid ?? '';
  if (templateHash !== '') labels[LABELS.sandboxTemplateRefHash] = templateHash;
  const createdBy = labelsOf(claim)[LABELS.createdBy];
  if (ctx.flavor === 'v1beta1') {
    if (createdBy !== undefined && createdBy !== '') labels[LABELS.createdBy] = createdBy;
    else delete labels[LABELS.createdBy];
  }
  merged.labels = labels;
  mergePodMetadata(merged, claim);
  return merged;
}

export function identityLabels(
  ctx: ControllerContext,
  labels: Record<string, string>,
  claim: KubeObject,
): Record<string, string> {
  const out: Record<string, string> = { ...labels, [LABELS.claimUid]: claim.metadata.uid ?? '' };
  const createdBy = labelsOf(claim)[LABELS.createdBy];
  if (createdBy !== undefined && createdBy !== '' && ctx.flavor === 'v1beta1')
    out[LABELS.createdBy] = createdBy;
  else if (ctx.flavor === 'v1beta1') delete out[LABELS.createdBy];
  return out;
}
