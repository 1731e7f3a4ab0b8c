/**
 * The SandboxWarmPool controller (upstream `extensions/controllers/sandboxwarmpool_controller.go`):
 * keeps `spec.replicas` unclaimed Sandboxes labelled with the pool hash, replaces stale and
 * stuck members, and reports `replicas`/`readyReplicas`/`selector`.
 */
import { ANNOTATIONS, CONDITION_TYPES, LABELS, nameHash } from '@corral/agent-sandbox';
import type { KubeObject } from '../store/types.js';
import {
  applySecureDefaults,
  blueprintHash,
  blueprintMatches,
  blueprintOf,
  podTemplateHash,
  templateSpec,
} from './blueprint.js';
import { FIELD_MANAGER, type ControllerContext } from './context.js';
import {
  clone,
  conditionsOf,
  controllerOf,
  controllerRef,
  deepEqual,
  findCondition,
  isDeleting,
  isNotFound,
  isObj,
  labelsOf,
  mergePatchDiff,
  parseTime,
  PODS,
  str,
  type Obj,
} from './kube.js';
import type { ReconcileResult } from './work-queue.js';

const MAX_BATCH = 300;
const GRACE_SLACK_MS = 2000;
const UNSCHEDULABLE_RECHECK_MS = 60_000;

function spec(obj: KubeObject): Obj {
  return isObj(obj.spec) ? obj.spec : {};
}

function isReady(sb: KubeObject): boolean {
  const status = isObj(sb.status) ? clone(sb.status) : {};
  return findCondition(conditionsOf(status), CONDITION_TYPES.ready)?.status === 'True';
}

export class WarmPoolReconciler {
  constructor(private readonly ctx: ControllerContext) {}

  reconcile(namespace: string, name: string): ReconcileResult | void {
    const { store, gvr, timers } = this.ctx;
    const pool = store.get(gvr.pools, namespace, name);
    if (pool === undefined || isDeleting(pool)) return;
    const poolHash = nameHash(name);
    const selector = `${LABELS.warmPoolSandbox}=${poolHash}`;
    const members = store.list(gvr.sandboxes, { namespace, labelSelector: selector }).items;
    const templateName = isObj(spec(pool).sandboxTemplateRef)
      ? str((spec(pool).sandboxTemplateRef as Obj).name)
      : '';
    const template = store.get(gvr.templates, namespace, templateName);
    const strategy = isObj(spec(pool).updateStrategy)
      ? (spec(pool).updateStrategy as Obj).type
      : undefined;
    const currentHash = template !== undefined ? blueprintHash(template) : '';

    let terminating = 0;
    const active: KubeObject[] = [];
    for (const sb of members) {
      const ref = controllerOf(sb);
      const orphan = ref === undefined;
      const owned = ref?.uid === pool.metadata.uid;
      if (isDeleting(sb)) {
        if (owned) terminating++;
        continue;
      }
      if (!orphan && !owned) continue;
      if (template !== undefined && (strategy === 'Recreate' || orphan)) {
        const stale =
          labelsOf(sb)[LABELS.sandboxTemplateHash] !== currentHash &&
          !blueprintMatches(template, spec(sb));
        if (stale) {
          if (this.delete(sb) && owned) terminating++;
          continue;
        }
      }
      let current = sb;
      if (orphan || labelsOf(sb)[LABELS.launchType] !== 'warm') {
        const updated = clone(sb);
        updated.metadata.labels = { ...labelsOf(sb), [LABELS.launchType]: 'warm' };
        if (orphan)
          updated.metadata.ownerReferences = [
            ...(sb.metadata.ownerReferences ?? []),
            controllerRef(pool),
          ];
        try {
          current = store.update(gvr.sandboxes, updated, { fieldManager: FIELD_MANAGER });
        } catch {
          continue;
        }
      }
      active.push(current);
    }

    // Members not Ready after the grace period are replaced, unless their pod is unschedulable.
    const now = timers.now();
    const grace = this.ctx.warmPoolReadinessGracePeriodMs;
    let requeueAfterMs: number | undefined;
    const minRequeue = (ms: number): void => {
      requeueAfterMs = requeueAfterMs === undefined ? ms : Math.min(requeueAfterMs, ms);
    };
    const healthy: KubeObject[] = [];
    let unschedulable = 0;
    for (const sb of active) {
      const created = parseTime(sb.metadata.creationTimestamp);
      if (isReady(sb) || created === undefined) {
        healthy.push(sb);
        continue;
      }
      const age = now - created;
      if (age <= grace) {
        minRequeue(grace - age + GRACE_SLACK_MS);
        healthy.push(sb);
        continue;
      }
      if (this.podUnschedulable(sb)) {
        unschedulable++;
        healthy.push(sb);
        continue;
      }
      if (this.delete(sb)) terminating++;
      else healthy.push(sb);
    }
    if (unschedulable > 0) minRequeue(UNSCHEDULABLE_RECHECK_MS);

    const replicas = spec(pool).replicas;
    const desired = typeof replicas === 'number' ? replicas : this.ctx.flavor === 'v1beta1' ? 1 : 0;
    const current = healthy.length;

    if (current + terminating < desired && template !== undefined) {
      const count = Math.min(desired - current - terminating, MAX_BATCH);
      const blueprint = this.buildSandbox(pool, poolHash, template);
      for (let i = 0; i < count; i++) {
        try {
          store.create(gvr.sandboxes, clone(blueprint), { fieldManager: FIELD_MANAGER });
        } catch {
          break;
        }
      }
    }
    if (current > desired) {
      const byAge = (a: KubeObject, b: KubeObject): number =>
        (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '') ||
        Number(b.metadata.resourceVersion) - Number(a.metadata.resourceVersion);
      const ordered = [...healthy].sort(
        (a, b) => Number(isReady(a)) - Number(isReady(b)) || byAge(a, b),
      );
      for (const sb of ordered.slice(0, Math.min(current - desired, MAX_BATCH))) this.delete(sb);
    }

    const oldStatus = clone(isObj(pool.status) ? pool.status : {});
    const status: Obj = { ...clone(oldStatus), replicas: current };
    if (this.ctx.flavor !== 'v0.1.0') {
      status.readyReplicas = healthy.filter(isReady).length;
      status.selector = selector;
    }
    if (this.ctx.flavor === 'v1beta1') status.observedGeneration = pool.metadata.generation ?? 0;
    if (!deepEqual(oldStatus, status)) {
      const patch = mergePatchDiff(oldStatus, status);
      if (patch !== undefined) {
        try {
          store.patch(gvr.pools, namespace, name, { status: patch }, 'merge', {
            subresource: 'status',
            fieldManager: FIELD_MANAGER,
          });
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
      }
    }
    return requeueAfterMs === undefined ? undefined : { requeueAfterMs };
  }

  private delete(sb: KubeObject): boolean {
    try {
      this.ctx.store.delete(this.ctx.gvr.sandboxes, sb.metadata.namespace, sb.metadata.name ?? '');
      return true;
    } catch (e) {
      return isNotFound(e);
    }
  }

  private podUnschedulable(sb: KubeObject): boolean {
    const pod = this.ctx.store.get(PODS, sb.metadata.namespace, sb.metadata.name ?? '');
    if (pod === undefined || !isObj(pod.status) || !Array.isArray(pod.status.conditions))
      return false;
    return (pod.status.conditions as Obj[]).some(
      (c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable',
    );
  }

  private buildSandbox(pool: KubeObject, poolHash: string, template: KubeObject): KubeObject {
    const templateName = template.metadata.name ?? '';
    const refHash = nameHash(templateName);
    const ptHash = podTemplateHash(template);
    const bpHash = blueprintHash(template);
    const sbSpec = blueprintOf(templateSpec(template));
    const pt: Obj = isObj(sbSpec.podTemplate) ? sbSpec.podTemplate : {};
    const meta: Obj = isObj(pt.metadata) ? pt.metadata : {};
    meta.labels = {
      ...(isObj(meta.labels) ? meta.labels : {}),
      [LABELS.warmPoolSandbox]: poolHash,
      [LABELS.sandboxTemplateRefHash]: refHash,
      [LABELS.sandboxPodTemplateHash]: ptHash,
      [LABELS.sandboxTemplateHash]: bpHash,
    };
    const annotations: Record<string, unknown> = isObj(meta.annotations)
      ? { ...meta.annotations }
      : {};
    if (this.ctx.enableWarmPoolEviction && annotations[ANNOTATIONS.safeToEvict] === undefined) {
      annotations[ANNOTATIONS.safeToEvict] = 'true';
    }
    if (Object.keys(annotations).length > 0) meta.annotations = annotations;
    pt.metadata = meta;
    const podSpec: Obj = isObj(pt.spec) ? pt.spec : {};
    applySecureDefaults(template, podSpec);
    pt.spec = podSpec;
    sbSpec.podTemplate = pt;
    return {
      apiVersion: `${this.ctx.gvr.sandboxes.group}/${this.ctx.gvr.sandboxes.version}`,
      kind: 'Sandbox',
      metadata: {
        generateName: `${pool.metadata.name}-`,
        namespace: pool.metadata.namespace ?? '',
        labels: {
          [LABELS.warmPoolSandbox]: poolHash,
          [LABELS.sandboxTemplateRefHash]: refHash,
          [LABELS.launchType]: 'warm',
          [LABELS.sandboxPodTemplateHash]: ptHash,
          [LABELS.sandboxTemplateHash]: bpHash,
          [LABELS.createdBy]: 'controller',
        },
        annotations: { [ANNOTATIONS.sandboxTemplateRef]: templateName },
        ownerReferences: [controllerRef(pool)],
      },
      spec: sbSpec,
    };
  }
}
