/**
 * The Sandbox's Pod (upstream `reconcilePod`, `updatePodMetadata`, `computeExtensionPodLabels`).
 */
import { ANNOTATIONS, EXTENSIONS_GROUP, LABELS } from '@corral/agent-sandbox';
import type { KubeObject } from '../../store/types.js';
import { FIELD_MANAGER, type ControllerContext } from '../context.js';
import {
  PODS,
  annotationsOf,
  clone,
  controllerOf,
  controllerRef,
  errorMessage,
  groupOf,
  isAlreadyExists,
  isControlledBy,
  isDeleting,
  isNotFound,
  isObj,
  labelsOf,
  mergePatchDiff,
  str,
  type Obj,
} from '../kube.js';
import {
  isSystemLabel,
  isSystemAnnotation,
  normalizeCreatedBy,
  MultiplePodsError,
  sandboxSpec,
  podTemplate,
  stringMap,
  isSuspended,
  resolvePodName,
} from './sandbox-shared.js';

// ---- children ----
export function patchSandboxAnnotation(
  ctx: ControllerContext,
  holder: { sandbox: KubeObject },
  value: string | null,
): void {
  const sb = holder.sandbox;
  const current = annotationsOf(sb)[ANNOTATIONS.podName];
  if (value === null ? current === undefined : current === value) return;
  holder.sandbox = ctx.store.patch(
    ctx.gvr.sandboxes,
    sb.metadata.namespace,
    sb.metadata.name ?? '',
    { metadata: { annotations: { [ANNOTATIONS.podName]: value } } },
    'merge',
    { fieldManager: FIELD_MANAGER },
  );
}

export function reconcilePod(
  ctx: ControllerContext,
  holder: { sandbox: KubeObject },
  hash: string,
): KubeObject | undefined {
  const { store } = ctx;
  const sb = holder.sandbox;
  const ns = sb.metadata.namespace;
  const listed = store.list(PODS, {
    namespace: ns ?? '',
    labelSelector: `${LABELS.sandboxNameHash}=${hash}`,
  }).items;
  const owned = listed.filter((p) => isControlledBy(p, sb));
  const podName = resolvePodName(sb);
  const annotated = annotationsOf(sb)[ANNOTATIONS.podName] !== undefined;
  let pod = store.get(PODS, ns, podName);
  if (pod === undefined && annotated) patchSandboxAnnotation(ctx, holder, null);
  if (
    pod !== undefined &&
    isControlledBy(pod, sb) &&
    !owned.some((p) => p.metadata.name === pod?.metadata.name)
  ) {
    owned.push(pod);
  }
  if (owned.length > 1) {
    ctx.events.record(
      holder.sandbox,
      'Warning',
      'MultiplePods',
      'Reconciling',
      new MultiplePodsError(owned.length).message,
    );
    throw new MultiplePodsError(owned.length);
  }
  const only = owned[0];
  if (only !== undefined && (pod === undefined || pod.metadata.name !== only.metadata.name)) {
    if (annotationsOf(holder.sandbox)[ANNOTATIONS.podName] !== undefined) {
      patchSandboxAnnotation(ctx, holder, null);
    }
    pod = only;
  }

  if (isSuspended(ctx, holder.sandbox)) {
    if (pod !== undefined && isControlledBy(pod, holder.sandbox)) {
      if (!isDeleting(pod)) {
        try {
          store.delete(PODS, ns, pod.metadata.name ?? '');
        } catch (e) {
          if (!isNotFound(e)) throw new Error(`failed to delete pod: ${errorMessage(e)}`);
        }
      }
      return pod;
    }
    patchSandboxAnnotation(ctx, holder, null);
    return pod;
  }

  if (pod !== undefined) return reconcileExistingPod(ctx, holder, pod, hash);

  const created = createPod(ctx, holder.sandbox, hash);
  if (created.existing) return reconcileExistingPod(ctx, holder, created.pod, hash);
  patchSandboxAnnotation(ctx, holder, created.pod.metadata.name ?? '');
  return created.pod;
}

export function reconcileExistingPod(
  ctx: ControllerContext,
  holder: { sandbox: KubeObject },
  pod: KubeObject,
  hash: string,
): KubeObject {
  const sb = holder.sandbox;
  const before = clone(pod.metadata);
  const ref = controllerOf(pod);
  if (ref !== undefined && ref.uid !== sb.metadata.uid) {
    patchSandboxAnnotation(ctx, holder, null);
    throw new Error(
      `pod "${pod.metadata.name}" is owned by ${ref.kind}/${ref.name} (UID: ${ref.uid}), not by sandbox "${sb.metadata.name}"`,
    );
  }
  if (ref === undefined) {
    const labels = labelsOf(pod);
    if (labels[LABELS.adoptable] !== 'true' && labels[LABELS.sandboxNameHash] !== hash) {
      throw new Error(
        `cannot adopt unowned pod "${pod.metadata.name}": missing required pool authorization label ("${LABELS.adoptable}") or sandbox tracking label ("${LABELS.sandboxNameHash}")`,
      );
    }
    pod.metadata.ownerReferences = [...(pod.metadata.ownerReferences ?? []), controllerRef(sb)];
  }
  updatePodMetadata(pod, sb, hash);
  const patch = mergePatchDiff(before, pod.metadata);
  let result = pod;
  if (patch !== undefined) {
    result = ctx.store.patch(
      PODS,
      pod.metadata.namespace,
      pod.metadata.name ?? '',
      { metadata: patch },
      'merge',
      {
        fieldManager: FIELD_MANAGER,
      },
    );
  }
  const current = annotationsOf(holder.sandbox)[ANNOTATIONS.podName];
  if (current === undefined || current === '') {
    patchSandboxAnnotation(ctx, holder, pod.metadata.name ?? '');
  }
  return result;
}

export function updatePodMetadata(pod: KubeObject, sb: KubeObject, hash: string): void {
  const tpl = podTemplate(sb);
  const tplLabels = stringMap(tpl.metadata.labels);
  const tplAnnotations = stringMap(tpl.metadata.annotations);
  const labels = { ...labelsOf(pod) };
  const annotations = { ...annotationsOf(pod) };
  labels[LABELS.sandboxNameHash] = hash;
  const managedLabels: string[] = [];
  for (const [k, v] of Object.entries(tplLabels)) {
    if (isSystemLabel(k)) continue;
    labels[k] = v;
    managedLabels.push(k);
  }
  for (const k of (annotations[ANNOTATIONS.propagatedLabels] ?? '').split(',')) {
    if (k === '' || k === LABELS.sandboxNameHash) continue;
    if (isSystemLabel(k) || !(k in tplLabels)) delete labels[k];
  }
  const ext = extensionPodLabels(sb);
  for (const k of [LABELS.warmPoolSandbox, LABELS.sandboxTemplateRefHash]) {
    const v = ext[k];
    if (v !== undefined) labels[k] = v;
    else delete labels[k];
  }
  const createdBy = labelsOf(sb)[LABELS.createdBy];
  if (createdBy !== undefined && createdBy !== '')
    labels[LABELS.createdBy] = normalizeCreatedBy(createdBy);
  else delete labels[LABELS.createdBy];

  const managedAnnotations: string[] = [];
  for (const [k, v] of Object.entries(tplAnnotations)) {
    if (isSystemAnnotation(k)) continue;
    annotations[k] = v;
    managedAnnotations.push(k);
  }
  for (const k of (annotations[ANNOTATIONS.propagatedAnnotations] ?? '').split(',')) {
    if (k === '' || k === ANNOTATIONS.propagatedLabels || k === ANNOTATIONS.propagatedAnnotations)
      continue;
    if (isSystemAnnotation(k) || !(k in tplAnnotations)) delete annotations[k];
  }
  annotations[ANNOTATIONS.propagatedLabels] = managedLabels.sort().join(',');
  annotations[ANNOTATIONS.propagatedAnnotations] = managedAnnotations.sort().join(',');
  pod.metadata.labels = labels;
  pod.metadata.annotations = annotations;
}

/** Pool/template hash labels go to the pod only when an extensions controller owns the Sandbox. */
export function extensionPodLabels(sb: KubeObject): Record<string, string> {
  const ref = controllerOf(sb);
  if (ref === undefined || groupOf(ref.apiVersion) !== EXTENSIONS_GROUP) return {};
  const out: Record<string, string> = {};
  const labels = labelsOf(sb);
  const pool = labels[LABELS.warmPoolSandbox];
  if (ref.kind === 'SandboxWarmPool' && pool !== undefined && pool !== '')
    out[LABELS.warmPoolSandbox] = pool;
  const tpl = labels[LABELS.sandboxTemplateRefHash];
  if (tpl !== undefined && tpl !== '') out[LABELS.sandboxTemplateRefHash] = tpl;
  return out;
}

export function createPod(
  ctx: ControllerContext,
  sb: KubeObject,
  hash: string,
): { pod: KubeObject; existing: boolean } {
  const tpl = podTemplate(sb);
  const labels: Record<string, string> = {};
  const managedLabels: string[] = [];
  for (const [k, v] of Object.entries(stringMap(tpl.metadata.labels))) {
    if (isSystemLabel(k)) continue;
    labels[k] = v;
    managedLabels.push(k);
  }
  labels[LABELS.sandboxNameHash] = hash;
  Object.assign(labels, extensionPodLabels(sb));
  const createdBy = labelsOf(sb)[LABELS.createdBy];
  if (createdBy !== undefined && createdBy !== '')
    labels[LABELS.createdBy] = normalizeCreatedBy(createdBy);

  const annotations: Record<string, string> = {};
  const managedAnnotations: string[] = [];
  for (const [k, v] of Object.entries(stringMap(tpl.metadata.annotations))) {
    if (isSystemAnnotation(k)) continue;
    annotations[k] = v;
    managedAnnotations.push(k);
  }
  if (managedLabels.length > 0)
    annotations[ANNOTATIONS.propagatedLabels] = managedLabels.sort().join(',');
  if (managedAnnotations.length > 0) {
    annotations[ANNOTATIONS.propagatedAnnotations] = managedAnnotations.sort().join(',');
  }

  const spec = clone(tpl.spec);
  const vcts = sandboxSpec(sb).volumeClaimTemplates;
  if (Array.isArray(vcts) && vcts.length > 0) {
    const pvcVolumes = vcts.filter(isObj).map((vct) => {
      const vctName = isObj(vct.metadata) ? str(vct.metadata.name) : '';
      return {
        name: vctName,
        persistentVolumeClaim: { claimName: `${vctName}-${sb.metadata.name}` },
      };
    });
    const names = new Set(pvcVolumes.map((v) => v.name));
    const existing = Array.isArray(spec.volumes) ? (spec.volumes as Obj[]) : [];
    spec.volumes = [...existing.filter((v) => !names.has(String(v.name))), ...pvcVolumes];
  }
  const pod: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: sb.metadata.name ?? '',
      namespace: sb.metadata.namespace ?? '',
      labels,
      annotations,
      ownerReferences: [controllerRef(sb)],
    },
    spec,
  };
  try {
    return {
      pod: ctx.store.create(PODS, pod, { fieldManager: FIELD_MANAGER }),
      existing: false,
    };
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
    const existing = ctx.store.get(PODS, sb.metadata.namespace, sb.metadata.name ?? '');
    if (existing === undefined)
      throw new Error(`pod already exists but failed to fetch: ${errorMessage(e)}`);
    return { pod: existing, existing: true };
  }
}
