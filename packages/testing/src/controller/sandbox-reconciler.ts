/**
 * The Sandbox controller (upstream `controllers/sandbox_controller.go`): one Pod named after the
 * Sandbox, an optional headless Service, PVCs from `volumeClaimTemplates`, and status conditions
 * computed from the pod exactly as upstream does. Expiry by `spec.shutdownTime`/`shutdownPolicy`.
 */
import {
  ANNOTATIONS,
  CONDITION_TYPES,
  EXTENSIONS_GROUP,
  LABELS,
  SANDBOX_READY_REASONS,
  SUSPENDED_REASONS,
  nameHash,
  type Condition,
} from '@corral/agent-sandbox';
import type { KubeObject } from '../store/types.js';
import { FIELD_MANAGER, type ControllerContext } from './context.js';
import {
  PODS,
  PVCS,
  SERVICES,
  annotationsOf,
  clone,
  conditionsOf,
  controllerOf,
  controllerRef,
  deepEqual,
  errorMessage,
  findCondition,
  groupOf,
  isAlreadyExists,
  isControlledBy,
  isDeleting,
  isNotFound,
  isObj,
  labelsOf,
  mergePatchDiff,
  parseTime,
  removeCondition,
  setCondition,
  str,
  asError,
  type Obj,
} from './kube.js';
import type { ReconcileResult } from './work-queue.js';

const RESERVED = ['agents.x-k8s.io/', 'extensions.agents.x-k8s.io/'];
const isSystemLabel = (k: string): boolean => RESERVED.some((p) => k.startsWith(p));
const isSystemAnnotation = (k: string): boolean =>
  isSystemLabel(k) || k === ANNOTATIONS.traceContext;
const CREATED_BY_KNOWN = new Set(['go-client', 'python-client', 'controller']);
const normalizeCreatedBy = (v: string): string => (CREATED_BY_KNOWN.has(v) ? v : 'unknown');

const MIN_EXPIRY_REQUEUE_MS = 2000;

class MultiplePodsError extends Error {
  constructor(count: number) {
    super(
      `multiple Pods (${count}) are controlled by this Sandbox; refusing to choose or create a Pod`,
    );
  }
}

export function sandboxSpec(sb: KubeObject): Obj {
  return isObj(sb.spec) ? sb.spec : {};
}

function podTemplate(sb: KubeObject): { metadata: Obj; spec: Obj } {
  const tpl = sandboxSpec(sb).podTemplate;
  const t = isObj(tpl) ? tpl : {};
  return { metadata: isObj(t.metadata) ? t.metadata : {}, spec: isObj(t.spec) ? t.spec : {} };
}

function stringMap(value: unknown): Record<string, string> {
  return isObj(value) ? (value as Record<string, string>) : {};
}

export function isSuspended(ctx: ControllerContext, sb: KubeObject): boolean {
  const spec = sandboxSpec(sb);
  if (ctx.flavor === 'v1beta1') return spec.operatingMode === 'Suspended';
  return spec.replicas === 0;
}

/** Whether the Sandbox wants a Service: `true`/`false`/unset (v0.1.0 always made one). */
function serviceDesired(ctx: ControllerContext, sb: KubeObject): boolean | undefined {
  if (ctx.flavor === 'v0.1.0') return true;
  const v = sandboxSpec(sb).service;
  return typeof v === 'boolean' ? v : undefined;
}

function resolvePodName(sb: KubeObject): string {
  return annotationsOf(sb)[ANNOTATIONS.podName] || (sb.metadata.name ?? '');
}

function podPhase(pod: KubeObject): string {
  const status = isObj(pod.status) ? pod.status : {};
  // The apiserver sets Pending on create; tolerate a store that leaves it empty.
  return typeof status.phase === 'string' && status.phase !== '' ? status.phase : 'Pending';
}

function podConditions(pod: KubeObject): Condition[] {
  const status = isObj(pod.status) ? pod.status : {};
  return Array.isArray(status.conditions) ? (status.conditions as Condition[]) : [];
}

function podIPs(pod: KubeObject): string[] {
  const status = isObj(pod.status) ? pod.status : {};
  if (!Array.isArray(status.podIPs)) return [];
  return (status.podIPs as unknown[])
    .map((p) => (isObj(p) && typeof p.ip === 'string' ? p.ip : ''))
    .filter((ip) => ip !== '');
}

interface ChildState {
  pod: KubeObject | undefined;
  podErr: unknown;
  svc: KubeObject | undefined;
  err: unknown;
}

export class SandboxReconciler {
  constructor(private readonly ctx: ControllerContext) {}

  reconcile(namespace: string, name: string): ReconcileResult | void {
    const { store, gvr, timers } = this.ctx;
    let sb = store.get(gvr.sandboxes, namespace, name);
    if (sb === undefined || isDeleting(sb)) return;

    const oldStatus = clone(isObj(sb.status) ? sb.status : {});
    const status: Obj = clone(oldStatus);
    const now = timers.now();
    const result: ReconcileResult = {};
    let err: unknown;

    const shutdownMs = parseTime(sandboxSpec(sb).shutdownTime);
    if (shutdownMs !== undefined && now >= shutdownMs) {
      if (!this.markedExpired(status)) {
        this.setExpired(sb, status, now);
        this.writeStatus(sb, oldStatus, status);
        return { requeueAfterMs: 1 };
      }
      const outcome = this.handleExpiry(sb, status, now);
      if (outcome.deleted) return;
      err = outcome.err;
    } else {
      const state = this.reconcileChildren(sb, status);
      sb = state.sandbox;
      err = state.err;
      const after = timers.now();
      if (shutdownMs !== undefined) {
        if (after >= shutdownMs) {
          this.setExpired(sb, status, after);
          result.requeueAfterMs = 1;
        } else {
          result.requeueAfterMs = Math.max(shutdownMs - after, MIN_EXPIRY_REQUEUE_MS);
        }
      }
    }
    this.writeStatus(sb, oldStatus, status);
    if (err !== undefined && !(err instanceof MultiplePodsError)) throw asError(err);
    return result;
  }

  private markedExpired(status: Obj): boolean {
    return (
      findCondition(conditionsOf(status), CONDITION_TYPES.ready)?.reason ===
      SANDBOX_READY_REASONS.sandboxExpired
    );
  }

  private setExpired(sb: KubeObject, status: Obj, now: number): void {
    const conditions = conditionsOf(status);
    setCondition(
      conditions,
      {
        type: CONDITION_TYPES.ready,
        status: 'False',
        observedGeneration: sb.metadata.generation ?? 0,
        reason: SANDBOX_READY_REASONS.sandboxExpired,
        message: 'Sandbox has expired',
      },
      now,
    );
    removeCondition(conditions, CONDITION_TYPES.podScheduled);
  }

  private handleExpiry(
    sb: KubeObject,
    status: Obj,
    now: number,
  ): { deleted: boolean; err: unknown } {
    const { store, gvr } = this.ctx;
    const ns = sb.metadata.namespace;
    const name = sb.metadata.name ?? '';
    const errors: string[] = [];
    const pod = store.get(PODS, ns, resolvePodName(sb));
    if (pod !== undefined && isControlledBy(pod, sb)) {
      try {
        store.delete(PODS, ns, pod.metadata.name ?? '');
      } catch (e) {
        if (!isNotFound(e)) errors.push(`failed to delete pod: ${errorMessage(e)}`);
      }
    }
    const svc = store.get(SERVICES, ns, name);
    if (svc !== undefined && isControlledBy(svc, sb)) {
      try {
        store.delete(SERVICES, ns, name);
      } catch (e) {
        if (!isNotFound(e)) errors.push(`failed to delete service: ${errorMessage(e)}`);
      }
    }
    if (sandboxSpec(sb).shutdownPolicy === 'Delete') {
      try {
        store.delete(gvr.sandboxes, ns, name);
        return { deleted: true, err: undefined };
      } catch (e) {
        if (isNotFound(e)) return { deleted: true, err: undefined };
        errors.push(`failed to delete sandbox: ${errorMessage(e)}`);
      }
    }
    if (errors.length > 0) return { deleted: false, err: new Error(errors.join('\n')) };
    const conditions = conditionsOf(status);
    for (const k of Object.keys(status)) if (k !== 'conditions') delete status[k];
    this.setExpired(sb, status, now);
    status.conditions = conditions;
    return { deleted: false, err: undefined };
  }

  private reconcileChildren(
    sandbox: KubeObject,
    status: Obj,
  ): { sandbox: KubeObject; err: unknown } {
    const hash = nameHash(sandbox.metadata.name ?? '');
    const holder = { sandbox };
    const errors: unknown[] = [];

    const pvcErr = this.reconcilePVCs(sandbox, hash);
    if (pvcErr !== undefined) errors.push(pvcErr);

    let pod: KubeObject | undefined;
    let podErr: unknown;
    try {
      pod = this.reconcilePod(holder, hash);
    } catch (e) {
      podErr = e;
    }
    const sb = holder.sandbox;
    const conflict = podErr instanceof MultiplePodsError;
    if (podErr !== undefined) errors.push(podErr);

    if (this.ctx.flavor === 'v1beta1') {
      if (pod === undefined) {
        delete status.podIPs;
        delete status.nodeName;
      } else {
        status.selector = `${LABELS.sandboxNameHash}=${hash}`;
        if (isControlledBy(pod, sb)) {
          const ips = podIPs(pod);
          if (ips.length > 0) status.podIPs = ips;
          else delete status.podIPs;
          const node = isObj(pod.spec) ? pod.spec.nodeName : undefined;
          if (typeof node === 'string' && node !== '') status.nodeName = node;
          else delete status.nodeName;
        } else {
          delete status.podIPs;
          delete status.nodeName;
        }
      }
    } else {
      status.replicas = pod === undefined ? 0 : 1;
      if (pod === undefined) delete status.podIPs;
      else {
        status.selector = `${LABELS.sandboxNameHash}=${hash}`;
        if (this.ctx.flavor === 'v1alpha1') {
          const ips = podIPs(pod);
          if (ips.length > 0) status.podIPs = ips;
          else delete status.podIPs;
        }
      }
    }

    let svc: KubeObject | undefined;
    if (!conflict) {
      try {
        svc = this.reconcileService(sb, hash, status);
      } catch (e) {
        errors.push(e);
      }
    }

    const conditionErr =
      errors.length === 0
        ? undefined
        : errors.length === 1
          ? errors[0]
          : new Error(errors.map(errorMessage).join('\n'));
    this.computeConditions(sb, status, { pod, podErr, svc, err: conditionErr });
    return { sandbox: sb, err: conditionErr };
  }

  private computeConditions(sb: KubeObject, status: Obj, state: ChildState): void {
    const now = this.ctx.timers.now();
    const conditions = conditionsOf(status);
    const generation = sb.metadata.generation ?? 0;
    const v1beta1 = this.ctx.flavor === 'v1beta1';

    if (v1beta1) setCondition(conditions, this.suspendedCondition(sb, state, generation), now);

    const finished =
      this.ctx.flavor === 'v0.1.0' ? undefined : this.finishedCondition(sb, state.pod, generation);
    if (finished !== undefined) setCondition(conditions, finished, now);
    else removeCondition(conditions, CONDITION_TYPES.finished);

    if (v1beta1) {
      const scheduled = this.podScheduledCondition(sb, state, generation);
      if (scheduled !== undefined) setCondition(conditions, scheduled, now);
      else removeCondition(conditions, CONDITION_TYPES.podScheduled);
    }

    setCondition(conditions, this.readyCondition(sb, state, generation), now);
  }

  private suspendedCondition(sb: KubeObject, state: ChildState, generation: number): Condition {
    const base: Condition = {
      type: CONDITION_TYPES.suspended,
      status: 'False',
      observedGeneration: generation,
      reason: SUSPENDED_REASONS.notSuspended,
      message: 'Sandbox is not suspended',
    };
    if (!isSuspended(this.ctx, sb)) return base;
    if (state.pod === undefined && state.podErr !== undefined) {
      return {
        ...base,
        status: 'Unknown',
        reason: SUSPENDED_REASONS.podStateUnknown,
        message: 'Pod state is unknown. Sandbox suspension cannot be confirmed',
      };
    }
    if (state.pod === undefined) {
      return {
        ...base,
        status: 'True',
        reason: SUSPENDED_REASONS.podTerminated,
        message: 'Pod has been terminated. Sandbox is suspended',
      };
    }
    if (!isControlledBy(state.pod, sb)) {
      return {
        ...base,
        reason: SUSPENDED_REASONS.podNotOwned,
        message: 'Refused to delete pod because it is not owned by this sandbox',
      };
    }
    return {
      ...base,
      reason: SUSPENDED_REASONS.podTerminating,
      message: 'Pod is terminating. Sandbox is suspending',
    };
  }

  private finishedCondition(
    sb: KubeObject,
    pod: KubeObject | undefined,
    generation: number,
  ): Condition | undefined {
    if (pod === undefined || !isControlledBy(pod, sb)) return undefined;
    const phase = podPhase(pod);
    if (phase === 'Succeeded') {
      return {
        type: CONDITION_TYPES.finished,
        status: 'True',
        observedGeneration: generation,
        reason: 'PodSucceeded',
        message: 'Pod completed successfully',
      };
    }
    if (phase === 'Failed') {
      return {
        type: CONDITION_TYPES.finished,
        status: 'True',
        observedGeneration: generation,
        reason: 'PodFailed',
        message: 'Pod failed',
      };
    }
    return undefined;
  }

  private podScheduledCondition(
    sb: KubeObject,
    state: ChildState,
    generation: number,
  ): Condition | undefined {
    const base = { type: CONDITION_TYPES.podScheduled, observedGeneration: generation };
    if (state.pod === undefined && state.podErr !== undefined) {
      return {
        ...base,
        status: 'Unknown',
        reason: 'PodSchedulingUnknown',
        message: 'Pod state is unknown. Pod scheduling cannot be determined',
      };
    }
    if (state.pod === undefined || !isControlledBy(state.pod, sb)) return undefined;
    const podCond = podConditions(state.pod).find((c) => c.type === 'PodScheduled');
    if (podCond !== undefined) {
      const reason =
        podCond.reason !== undefined && podCond.reason !== ''
          ? podCond.reason
          : podCond.status === 'True'
            ? 'PodScheduled'
            : 'PodSchedulingUnknown';
      return { ...base, status: podCond.status, reason, message: podCond.message ?? '' };
    }
    return {
      ...base,
      status: 'Unknown',
      reason: 'PodSchedulingUnknown',
      message: 'Pod has not reported a PodScheduled condition yet',
    };
  }

  private readyCondition(sb: KubeObject, state: ChildState, generation: number): Condition {
    const cond: Condition = {
      type: CONDITION_TYPES.ready,
      status: 'False',
      observedGeneration: generation,
      reason: SANDBOX_READY_REASONS.dependenciesNotReady,
      message: '',
    };
    if (state.err !== undefined) {
      if (state.err instanceof MultiplePodsError) {
        return { ...cond, reason: SANDBOX_READY_REASONS.multiplePods, message: state.err.message };
      }
      return {
        ...cond,
        reason: SANDBOX_READY_REASONS.reconcilerError,
        message: `Error seen: ${errorMessage(state.err)}`,
      };
    }
    const suspended = isSuspended(this.ctx, sb);
    if (suspended && this.ctx.flavor === 'v1beta1') {
      return {
        ...cond,
        reason: SANDBOX_READY_REASONS.sandboxSuspended,
        message: state.pod !== undefined ? 'Sandbox is suspending' : 'Sandbox is suspended',
      };
    }
    const { pod } = state;
    if (pod !== undefined && this.ctx.flavor === 'v1beta1') {
      const phase = podPhase(pod);
      if (phase === 'Succeeded') {
        return {
          ...cond,
          reason: SANDBOX_READY_REASONS.podSucceeded,
          message: 'Pod completed successfully',
        };
      }
      if (phase === 'Failed') {
        return { ...cond, reason: SANDBOX_READY_REASONS.podFailed, message: 'Pod failed' };
      }
    }
    let message: string;
    let podReady = false;
    if (pod !== undefined) {
      const phase = podPhase(pod);
      message = `Pod exists with phase: ${phase}`;
      if (phase === 'Running') {
        message = 'Pod is Running but not Ready';
        const ready = podConditions(pod).find((c) => c.type === 'Ready');
        if (ready?.status === 'True') {
          if (podIPs(pod).length === 0) message = 'Pod is Ready but has no podIPs yet';
          else {
            message = 'Pod is Ready';
            podReady = true;
          }
        }
      }
    } else if (suspended) {
      // Alpha: replicas 0 is an intended state and counts as ready.
      message = 'Pod does not exist, replicas is 0';
      podReady = true;
    } else {
      message = 'Pod does not exist';
    }
    const desired = serviceDesired(this.ctx, sb);
    const svcRequired = desired !== undefined ? desired : state.svc !== undefined;
    let svcReady = true;
    if (svcRequired) {
      svcReady = state.svc !== undefined;
      message += svcReady ? '; Service Exists' : '; Service does not exist';
    }
    cond.message = message;
    if (podReady && svcReady) {
      cond.status = 'True';
      cond.reason = SANDBOX_READY_REASONS.dependenciesReady;
    }
    return cond;
  }

  private writeStatus(sb: KubeObject, oldStatus: Obj, status: Obj): void {
    if (deepEqual(oldStatus, status)) return;
    // A node-name-only change waits for the next write unless the sandbox is Ready.
    if (oldStatus.nodeName !== status.nodeName) {
      const scratch = { ...status, nodeName: oldStatus.nodeName };
      const ready = findCondition(conditionsOf(status), CONDITION_TYPES.ready)?.status === 'True';
      if (deepEqual(oldStatus, scratch) && !ready) return;
    }
    const patch = mergePatchDiff(oldStatus, status);
    if (patch === undefined) return;
    try {
      this.ctx.store.patch(
        this.ctx.gvr.sandboxes,
        sb.metadata.namespace,
        sb.metadata.name ?? '',
        { status: patch },
        'merge',
        { subresource: 'status', fieldManager: FIELD_MANAGER },
      );
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  // ---- children ----

  private patchSandboxAnnotation(holder: { sandbox: KubeObject }, value: string | null): void {
    const sb = holder.sandbox;
    const current = annotationsOf(sb)[ANNOTATIONS.podName];
    if (value === null ? current === undefined : current === value) return;
    holder.sandbox = this.ctx.store.patch(
      this.ctx.gvr.sandboxes,
      sb.metadata.namespace,
      sb.metadata.name ?? '',
      { metadata: { annotations: { [ANNOTATIONS.podName]: value } } },
      'merge',
      { fieldManager: FIELD_MANAGER },
    );
  }

  private reconcilePod(holder: { sandbox: KubeObject }, hash: string): KubeObject | undefined {
    const { store } = this.ctx;
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
    if (pod === undefined && annotated) this.patchSandboxAnnotation(holder, null);
    if (
      pod !== undefined &&
      isControlledBy(pod, sb) &&
      !owned.some((p) => p.metadata.name === pod?.metadata.name)
    ) {
      owned.push(pod);
    }
    if (owned.length > 1) {
      this.ctx.events.record(
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
        this.patchSandboxAnnotation(holder, null);
      }
      pod = only;
    }

    if (isSuspended(this.ctx, holder.sandbox)) {
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
      this.patchSandboxAnnotation(holder, null);
      return pod;
    }

    if (pod !== undefined) return this.reconcileExistingPod(holder, pod, hash);

    const created = this.createPod(holder.sandbox, hash);
    if (created.existing) return this.reconcileExistingPod(holder, created.pod, hash);
    this.patchSandboxAnnotation(holder, created.pod.metadata.name ?? '');
    return created.pod;
  }

  private reconcileExistingPod(
    holder: { sandbox: KubeObject },
    pod: KubeObject,
    hash: string,
  ): KubeObject {
    const sb = holder.sandbox;
    const before = clone(pod.metadata);
    const ref = controllerOf(pod);
    if (ref !== undefined && ref.uid !== sb.metadata.uid) {
      this.patchSandboxAnnotation(holder, null);
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
    this.updatePodMetadata(pod, sb, hash);
    const patch = mergePatchDiff(before, pod.metadata);
    let result = pod;
    if (patch !== undefined) {
      result = this.ctx.store.patch(
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
      this.patchSandboxAnnotation(holder, pod.metadata.name ?? '');
    }
    return result;
  }

  private updatePodMetadata(pod: KubeObject, sb: KubeObject, hash: string): void {
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
    const ext = this.extensionPodLabels(sb);
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
  private extensionPodLabels(sb: KubeObject): Record<string, string> {
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

  private createPod(sb: KubeObject, hash: string): { pod: KubeObject; existing: boolean } {
    const tpl = podTemplate(sb);
    const labels: Record<string, string> = {};
    const managedLabels: string[] = [];
    for (const [k, v] of Object.entries(stringMap(tpl.metadata.labels))) {
      if (isSystemLabel(k)) continue;
      labels[k] = v;
      managedLabels.push(k);
    }
    labels[LABELS.sandboxNameHash] = hash;
    Object.assign(labels, this.extensionPodLabels(sb));
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
        pod: this.ctx.store.create(PODS, pod, { fieldManager: FIELD_MANAGER }),
        existing: false,
      };
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      const existing = this.ctx.store.get(PODS, sb.metadata.namespace, sb.metadata.name ?? '');
      if (existing === undefined)
        throw new Error(`pod already exists but failed to fetch: ${errorMessage(e)}`);
      return { pod: existing, existing: true };
    }
  }

  private reconcileService(sb: KubeObject, hash: string, status: Obj): KubeObject | undefined {
    const { store, clusterDomain } = this.ctx;
    const ns = sb.metadata.namespace ?? '';
    const name = sb.metadata.name ?? '';
    const desired = serviceDesired(this.ctx, sb);
    const ports = servicePorts(podTemplate(sb).spec);
    const setStatus = (svc: KubeObject): KubeObject => {
      status.service = svc.metadata.name;
      status.serviceFQDN = `${svc.metadata.name}.${svc.metadata.namespace}.svc.${clusterDomain}`;
      return svc;
    };
    const clearStatus = (): undefined => {
      delete status.service;
      delete status.serviceFQDN;
      return undefined;
    };
    const selector = { [LABELS.sandboxNameHash]: hash };
    const svc = store.get(SERVICES, ns, name);
    if (svc === undefined) {
      if (desired !== true) return clearStatus();
      const spec: Obj = { clusterIP: 'None', selector };
      if (ports.length > 0) spec.ports = ports;
      const created = store.create(
        SERVICES,
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: {
            name,
            namespace: ns,
            labels: { [LABELS.sandboxNameHash]: hash },
            ownerReferences: [controllerRef(sb)],
          },
          spec,
        },
        { fieldManager: FIELD_MANAGER },
      );
      return setStatus(created);
    }
    const ref = controllerOf(svc);
    const ownedBySandbox = ref?.uid === sb.metadata.uid;
    if (desired === false) {
      if (ownedBySandbox) {
        try {
          store.delete(SERVICES, ns, name);
        } catch (e) {
          if (!isNotFound(e)) throw new Error(`failed to delete service: ${errorMessage(e)}`);
        }
      }
      return clearStatus();
    }
    if (ref !== undefined && !ownedBySandbox) {
      throw new Error(
        `service "${name}" is owned by ${ref.kind}/${ref.name} (UID: ${ref.uid}), not by sandbox "${name}"`,
      );
    }
    const svcSpec = isObj(svc.spec) ? svc.spec : {};
    if (ref === undefined) {
      if (desired === undefined) return clearStatus();
      const labels = labelsOf(svc);
      if (labels[LABELS.adoptable] !== 'true' && labels[LABELS.sandboxNameHash] !== hash) {
        throw new Error(
          `cannot adopt unowned service "${name}": missing required pool authorization label ("${LABELS.adoptable}") or sandbox tracking label ("${LABELS.sandboxNameHash}")`,
        );
      }
      if (
        svcSpec.clusterIP !== 'None' &&
        svcSpec.clusterIP !== undefined &&
        svcSpec.clusterIP !== ''
      ) {
        throw new Error(
          `cannot adopt service "${name}": ClusterIP is "${str(svcSpec.clusterIP)}" (expected "None", field is immutable)`,
        );
      }
      const updated = clone(svc);
      updated.metadata.labels = { ...labels, [LABELS.sandboxNameHash]: hash };
      updated.metadata.ownerReferences = [
        ...(svc.metadata.ownerReferences ?? []),
        controllerRef(sb),
      ];
      updated.spec = { ...svcSpec, selector, ports };
      return setStatus(store.update(SERVICES, updated, { fieldManager: FIELD_MANAGER }));
    }
    const patch: Obj = {};
    if (labelsOf(svc)[LABELS.sandboxNameHash] !== hash) {
      patch.metadata = { labels: { [LABELS.sandboxNameHash]: hash } };
    }
    const specPatch: Obj = {};
    if (!deepEqual(svcSpec.selector, selector)) specPatch.selector = selector;
    if (desired === true && !deepEqual(svcSpec.ports ?? [], ports)) specPatch.ports = ports;
    if (Object.keys(specPatch).length > 0) patch.spec = specPatch;
    if (Object.keys(patch).length > 0) {
      return setStatus(
        store.patch(SERVICES, ns, name, patch, 'merge', { fieldManager: FIELD_MANAGER }),
      );
    }
    return setStatus(svc);
  }

  private reconcilePVCs(sb: KubeObject, hash: string): unknown {
    const vcts = sandboxSpec(sb).volumeClaimTemplates;
    if (!Array.isArray(vcts) || vcts.length === 0) return undefined;
    const { store } = this.ctx;
    const ns = sb.metadata.namespace ?? '';
    try {
      for (const vct of vcts.filter(isObj)) {
        const meta = isObj(vct.metadata) ? vct.metadata : {};
        const pvcName = `${str(meta.name)}-${sb.metadata.name}`;
        const existing = store.get(PVCS, ns, pvcName);
        if (existing !== undefined) {
          const ref = controllerOf(existing);
          if (ref !== undefined && ref.uid !== sb.metadata.uid) {
            throw new Error(
              `PVC "${pvcName}" is owned by ${ref.kind}/${ref.name} (UID: ${ref.uid}), not by sandbox "${sb.metadata.name}"`,
            );
          }
          continue;
        }
        store.create(
          PVCS,
          {
            apiVersion: 'v1',
            kind: 'PersistentVolumeClaim',
            metadata: {
              name: pvcName,
              namespace: ns,
              labels: { ...stringMap(meta.labels), [LABELS.sandboxNameHash]: hash },
              annotations: stringMap(meta.annotations),
              ownerReferences: [controllerRef(sb)],
            },
            spec: clone(isObj(vct.spec) ? vct.spec : {}),
          },
          { fieldManager: FIELD_MANAGER },
        );
      }
    } catch (e) {
      return e;
    }
    return undefined;
  }
}

/** Every non-zero containerPort of containers and sidecars, deduplicated, upstream's naming. */
export function servicePorts(podSpec: Obj): Obj[] {
  const names = new Map<string, string>();
  const reserved = new Set<string>();
  const add = (container: unknown): void => {
    if (!isObj(container) || !Array.isArray(container.ports)) return;
    for (const p of container.ports.filter(isObj)) {
      const port = typeof p.containerPort === 'number' ? p.containerPort : 0;
      if (port === 0) continue;
      const protocol = typeof p.protocol === 'string' && p.protocol !== '' ? p.protocol : 'TCP';
      const k = `${port}/${protocol}`;
      if (!names.has(k)) names.set(k, '');
      const name = typeof p.name === 'string' ? p.name : '';
      if (name === '' || names.get(k) !== '' || reserved.has(name)) continue;
      names.set(k, name);
      reserved.add(name);
    }
  };
  for (const c of Array.isArray(podSpec.containers) ? podSpec.containers : []) add(c);
  for (const c of Array.isArray(podSpec.initContainers) ? podSpec.initContainers : []) {
    if (isObj(c) && c.restartPolicy === 'Always') add(c);
  }
  const keys = [...names.keys()].sort((a, b) => {
    const [pa = '', ta = ''] = a.split('/');
    const [pb = '', tb = ''] = b.split('/');
    return Number(pa) - Number(pb) || ta.localeCompare(tb);
  });
  return keys.map((k) => {
    const [portText = '', protocol = 'TCP'] = k.split('/');
    const port = Number(portText);
    let name = names.get(k) ?? '';
    if (name === '') {
      const base = `p-${port}-${protocol.toLowerCase()}`;
      name = base;
      for (let suffix = 2; reserved.has(name); suffix++) name = `${base}-${suffix}`;
    }
    reserved.add(name);
    return { name, protocol, port, targetPort: port };
  });
}
