/**
 * The SandboxClaim controller (upstream `extensions/controllers/sandboxclaim_controller.go`):
 * binds a claim to a Sandbox by warm adoption from a pool or a cold create from the template,
 * mirrors `Ready`/`Finished` and the pod IPs into the claim, and enforces `spec.lifecycle`.
 */
import {
  ANNOTATIONS,
  CLAIM_READY_REASONS,
  CONDITION_TYPES,
  LABELS,
  SANDBOX_READY_REASONS,
  nameHash,
  type Condition,
} from '@corral/agent-sandbox';
import type { KubeObject } from '../store/types.js';
import {
  applySecureDefaults,
  blueprintHash,
  blueprintMatches,
  blueprintOf,
  templateSpec,
} from './blueprint.js';
import { FIELD_MANAGER, type ControllerContext } from './context.js';
import {
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
  isConflict,
  isControlledBy,
  isDeleting,
  isNotFound,
  isObj,
  labelsOf,
  parseTime,
  removeCondition,
  setCondition,
  str,
  asError,
  type Obj,
} from './kube.js';
import type { ReconcileResult } from './work-queue.js';

type ClaimErrorKind =
  | 'WarmPoolNotFound'
  | 'TemplateNotFound'
  | 'InvalidMetadata'
  | 'EnvVarsInjectionRejected'
  | 'VolumeClaimTemplatesError'
  | 'NotOwned'
  | 'AlreadyExists'
  | 'AdoptionConflict';

class ClaimError extends Error {
  constructor(
    readonly kind: ClaimErrorKind,
    message: string,
  ) {
    super(message);
  }
}

class PendingWarmCandidates extends Error {
  constructor(readonly retryAfterMs: number) {
    super('warm pool candidates are awaiting observed Pod IPs');
  }
}

const SUPPRESSED: ReadonlySet<ClaimErrorKind> = new Set([
  'InvalidMetadata',
  'NotOwned',
  'EnvVarsInjectionRejected',
  'VolumeClaimTemplatesError',
]);

const RESTRICTED_ANNOTATION_DOMAINS = ['kubernetes.io', 'k8s.io', 'agents.x-k8s.io'];
const EXEMPT_ANNOTATIONS = [ANNOTATIONS.safeToEvict];
const MISSING_DEPENDENCY_REQUEUE_MS = 60_000;
const CACHE_LAG_REQUEUE_MS = 200;
const WARM_RETRY_INTERVAL_MS = 500;
const OBSERVED_AT = 'agents.x-k8s.io/controller-first-observed-at';
const QUALIFIED_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function spec(obj: KubeObject): Obj {
  return isObj(obj.spec) ? obj.spec : {};
}

function stringMap(value: unknown): Record<string, string> {
  return isObj(value) ? { ...(value as Record<string, string>) } : {};
}

function refName(value: unknown): string {
  return isObj(value) && typeof value.name === 'string' ? value.name : '';
}

function sandboxReady(sb: KubeObject): boolean {
  const status = isObj(sb.status) ? sb.status : {};
  return findCondition(conditionsOf(clone(status)), CONDITION_TYPES.ready)?.status === 'True';
}

function sandboxPodIPs(sb: KubeObject): string[] {
  const status = isObj(sb.status) ? sb.status : {};
  return Array.isArray(status.podIPs) ? (status.podIPs as string[]) : [];
}

function isQualifiedName(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) return 'a qualified name must consist of alphanumeric characters';
  const name = parts[parts.length - 1] ?? '';
  if (name === '' || name.length > 63 || !QUALIFIED_NAME.test(name)) {
    return "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
  }
  if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    if (prefix === '' || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix)) {
      return 'prefix part must be a valid DNS-1123 subdomain';
    }
  }
  return undefined;
}

interface Resolved {
  sandbox: KubeObject | undefined;
  err: unknown;
}

export class ClaimReconciler {
  constructor(private readonly ctx: ControllerContext) {}

  // ---- flavor-specific accessors ----

  private poolNameOf(claim: KubeObject): string {
    return refName(spec(claim).warmPoolRef);
  }

  private templateNameOf(claim: KubeObject): string {
    return refName(spec(claim).sandboxTemplateRef);
  }

  /** Alpha `spec.warmpool`: `none` | `default` | a pool name (v0.1.0 behaves like `default`). */
  private warmPolicyOf(claim: KubeObject): string {
    const policy = spec(claim).warmpool;
    return typeof policy === 'string' && policy !== '' ? policy : 'default';
  }

  private getPool(claim: KubeObject): KubeObject {
    const name = this.poolNameOf(claim);
    const pool = this.ctx.store.get(this.ctx.gvr.pools, claim.metadata.namespace, name);
    if (pool === undefined) {
      throw new ClaimError('WarmPoolNotFound', `SandboxWarmPool "${name}" not found`);
    }
    return pool;
  }

  private getTemplate(claim: KubeObject): KubeObject {
    const name =
      this.ctx.flavor === 'v1beta1'
        ? refName(spec(this.getPool(claim)).sandboxTemplateRef)
        : this.templateNameOf(claim);
    const template = this.ctx.store.get(this.ctx.gvr.templates, claim.metadata.namespace, name);
    if (template === undefined) {
      throw new ClaimError('TemplateNotFound', `SandboxTemplate "${name}" not found`);
    }
    return template;
  }

  // ---- reconcile ----

  reconcile(namespace: string, name: string): ReconcileResult | void {
    const { store, gvr, timers } = this.ctx;
    let claim = store.get(gvr.claims, namespace, name);
    if (claim === undefined || isDeleting(claim)) return;

    if (annotationsOf(claim)[OBSERVED_AT] === undefined) {
      claim = store.patch(
        gvr.claims,
        namespace,
        name,
        { metadata: { annotations: { [OBSERVED_AT]: new Date(timers.now()).toISOString() } } },
        'merge',
        { fieldManager: FIELD_MANAGER },
      );
    }
    if (this.ctx.flavor === 'v0.1.0') return this.reconcileV010(claim);

    const oldStatus = clone(isObj(claim.status) ? claim.status : {});
    const status: Obj = clone(oldStatus);
    claim.status = status;

    const [expired, timeLeft] = this.checkExpiration(claim);
    if (expired && !this.hasClaimExpired(status)) {
      setCondition(
        conditionsOf(status),
        this.readyCondition(claim, undefined, undefined, true),
        timers.now(),
      );
      this.writeStatus(claim, oldStatus);
      this.claimEvent(claim, 'Claim Expired', 'Claim expired');
      return { requeueAfterMs: 1 };
    }
    const policy = this.shutdownPolicyOf(claim);
    if (expired && (policy === 'Delete' || policy === 'DeleteForeground')) {
      this.claimEvent(claim, 'Deleting', `Deleting Claim (ShutdownPolicy=${policy})`);
      try {
        store.delete(
          gvr.claims,
          namespace,
          name,
          policy === 'DeleteForeground' ? { propagationPolicy: 'Foreground' } : {},
        );
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
      return;
    }

    const holder = { claim };
    const { sandbox, err } = expired ? this.reconcileExpired(holder) : this.reconcileActive(holder);
    claim = holder.claim;
    claim.status = status;
    if (err instanceof PendingWarmCandidates) return { requeueAfterMs: err.retryAfterMs };

    this.computeStatus(claim, status, sandbox, err, expired);
    const [postExpired, postTimeLeft] = this.checkExpiration(claim);
    if (postExpired && !this.hasClaimExpired(status)) {
      setCondition(
        conditionsOf(status),
        this.readyCondition(claim, sandbox, err, true),
        timers.now(),
      );
      this.writeStatus(claim, oldStatus);
      this.claimEvent(claim, 'Claim Expired', 'Claim expired');
      return { requeueAfterMs: 1 };
    }
    this.writeStatus(claim, oldStatus);

    let requeueAfterMs: number | undefined;
    if (!expired) requeueAfterMs = postExpired ? 1 : postTimeLeft > 0 ? postTimeLeft : undefined;
    if (err instanceof ClaimError) {
      if (err.kind === 'WarmPoolNotFound' || err.kind === 'TemplateNotFound') {
        return {
          requeueAfterMs: Math.min(requeueAfterMs ?? Infinity, MISSING_DEPENDENCY_REQUEUE_MS),
        };
      }
      if (err.kind === 'AlreadyExists') {
        return { requeueAfterMs: Math.min(requeueAfterMs ?? Infinity, CACHE_LAG_REQUEUE_MS) };
      }
      if (SUPPRESSED.has(err.kind))
        return requeueAfterMs === undefined ? undefined : { requeueAfterMs };
    }
    if (err !== undefined) throw asError(err);
    void timeLeft;
    return requeueAfterMs === undefined ? undefined : { requeueAfterMs };
  }

  private shutdownPolicyOf(claim: KubeObject): string {
    const lifecycle = spec(claim).lifecycle;
    return isObj(lifecycle) && typeof lifecycle.shutdownPolicy === 'string'
      ? lifecycle.shutdownPolicy
      : 'Retain';
  }

  /** `internal/lifecycle/expiry.go`: earliest of shutdownTime and Finished + TTL. */
  private checkExpiration(claim: KubeObject): [boolean, number] {
    const lifecycle = spec(claim).lifecycle;
    if (!isObj(lifecycle)) return [false, 0];
    let expireAt = parseTime(lifecycle.shutdownTime);
    const ttl = lifecycle.ttlSecondsAfterFinished;
    const status = isObj(claim.status) ? claim.status : {};
    const finished = findCondition(conditionsOf(clone(status)), CONDITION_TYPES.finished);
    if (typeof ttl === 'number' && finished?.status === 'True') {
      const finishedAt = parseTime(finished.lastTransitionTime);
      if (finishedAt !== undefined) {
        const ttlAt = finishedAt + ttl * 1000;
        if (expireAt === undefined || ttlAt < expireAt) expireAt = ttlAt;
      }
    }
    if (expireAt === undefined) return [false, 0];
    const now = this.ctx.timers.now();
    return now >= expireAt ? [true, 0] : [false, expireAt - now];
  }

  private hasClaimExpired(status: Obj): boolean {
    return (
      findCondition(conditionsOf(status), CONDITION_TYPES.ready)?.reason ===
      CLAIM_READY_REASONS.claimExpired
    );
  }

  private claimEvent(
    claim: KubeObject,
    action: string,
    message: string,
    reason = 'ClaimExpired',
  ): void {
    if (this.ctx.claimEvents) this.ctx.events.record(claim, 'Normal', reason, action, message);
  }

  private writeStatus(claim: KubeObject, oldStatus: Obj): void {
    const sortConds = (s: Obj): Obj => {
      const c = Array.isArray(s.conditions) ? [...(s.conditions as Condition[])] : [];
      c.sort((a, b) => (a.type < b.type ? -1 : 1));
      return { ...s, conditions: c };
    };
    const status = isObj(claim.status) ? claim.status : {};
    if (deepEqual(sortConds(oldStatus), sortConds(status))) return;
    try {
      // Optimistic lock, as upstream: a 409 means a newer claim event will recompute.
      this.ctx.store.update(this.ctx.gvr.claims, claim, {
        subresource: 'status',
        fieldManager: FIELD_MANAGER,
      });
    } catch (e) {
      if (isNotFound(e) || isConflict(e)) return;
      throw e;
    }
  }

  // ---- status ----

  private computeStatus(
    claim: KubeObject,
    status: Obj,
    sandbox: KubeObject | undefined,
    err: unknown,
    expired: boolean,
  ): void {
    const sbStatus = isObj(status.sandbox) ? status.sandbox : {};
    if (
      sandbox === undefined &&
      err instanceof ClaimError &&
      err.kind === 'AlreadyExists' &&
      typeof sbStatus.name === 'string' &&
      sbStatus.name !== ''
    ) {
      return;
    }
    const now = this.ctx.timers.now();
    const conditions = conditionsOf(status);
    setCondition(conditions, this.readyCondition(claim, sandbox, err, expired), now);
    if (sandbox !== undefined) {
      const finished = findCondition(
        conditionsOf(clone(isObj(sandbox.status) ? sandbox.status : {})),
        CONDITION_TYPES.finished,
      );
      if (finished !== undefined) setCondition(conditions, { ...finished }, now);
      else removeCondition(conditions, CONDITION_TYPES.finished);
    } else if (!expired) {
      removeCondition(conditions, CONDITION_TYPES.finished);
    }
    if (sandbox !== undefined) {
      const ips = sandboxPodIPs(sandbox);
      status.sandbox =
        ips.length > 0
          ? { name: sandbox.metadata.name, podIPs: [...ips] }
          : { name: sandbox.metadata.name };
    } else if (err === undefined || (err instanceof ClaimError && err.kind === 'NotOwned')) {
      delete status.sandbox;
    }
  }

  private readyCondition(
    claim: KubeObject,
    sandbox: KubeObject | undefined,
    err: unknown,
    expired: boolean,
  ): Condition {
    const base = {
      type: CONDITION_TYPES.ready,
      status: 'False' as const,
      observedGeneration: claim.metadata.generation ?? 0,
    };
    if (err !== undefined) {
      if (err instanceof ClaimError) {
        switch (err.kind) {
          case 'TemplateNotFound':
          case 'WarmPoolNotFound':
          case 'InvalidMetadata':
          case 'EnvVarsInjectionRejected':
          case 'VolumeClaimTemplatesError':
            return { ...base, reason: err.kind, message: err.message };
          case 'AdoptionConflict':
            return {
              ...base,
              reason: 'AdoptionConflict',
              message: `${err.message}; the next pass retries from a converged view`,
            };
          case 'AlreadyExists':
            return {
              ...base,
              reason: 'SandboxCreatePending',
              message: 'Sandbox already created; waiting for cache to converge',
            };
          case 'NotOwned':
            return {
              ...base,
              reason: CLAIM_READY_REASONS.claimExpired,
              message: `Claim expired. ${err.message}; deletion skipped.`,
            };
        }
      }
      return {
        ...base,
        reason: SANDBOX_READY_REASONS.reconcilerError,
        message: `Error seen: ${errorMessage(err)}`,
      };
    }
    if (expired) {
      return {
        ...base,
        reason: CLAIM_READY_REASONS.claimExpired,
        message: 'Claim expired. Sandbox cleanup initiated.',
      };
    }
    if (sandbox === undefined) {
      return {
        ...base,
        reason: CLAIM_READY_REASONS.sandboxMissing,
        message: 'Sandbox does not exist',
      };
    }
    const sbConditions = conditionsOf(clone(isObj(sandbox.status) ? sandbox.status : {}));
    const ready = findCondition(sbConditions, CONDITION_TYPES.ready);
    if (ready?.reason === SANDBOX_READY_REASONS.sandboxExpired) {
      return {
        ...base,
        reason: SANDBOX_READY_REASONS.sandboxExpired,
        message: 'Underlying Sandbox resource has expired independently of the Claim.',
      };
    }
    if (ready !== undefined)
      return { ...ready, observedGeneration: claim.metadata.generation ?? 0 };
    return {
      ...base,
      reason: CLAIM_READY_REASONS.sandboxNotReady,
      message: 'Sandbox is not ready',
    };
  }

  // ---- expired (Retain) ----

  private reconcileExpired(holder: { claim: KubeObject }): Resolved {
    const { claim } = holder;
    const status = isObj(claim.status) ? claim.status : {};
    const bound =
      isObj(status.sandbox) && typeof status.sandbox.name === 'string' && status.sandbox.name !== ''
        ? status.sandbox.name
        : (claim.metadata.name ?? '');
    const sandbox = this.ctx.store.get(this.ctx.gvr.sandboxes, claim.metadata.namespace, bound);
    if (sandbox === undefined) return { sandbox: undefined, err: undefined };
    if (!isControlledBy(sandbox, claim)) {
      return {
        sandbox: undefined,
        err: new ClaimError(
          'NotOwned',
          `sandbox not owned by this claim: sandbox "${sandbox.metadata.name}" is not owned by claim "${claim.metadata.name}"`,
        ),
      };
    }
    if (!isDeleting(sandbox)) {
      try {
        this.ctx.store.delete(
          this.ctx.gvr.sandboxes,
          sandbox.metadata.namespace,
          sandbox.metadata.name ?? '',
        );
      } catch (e) {
        if (!isNotFound(e))
          return {
            sandbox,
            err: new Error(`failed to delete expired sandbox: ${errorMessage(e)}`),
          };
      }
    }
    return { sandbox, err: undefined };
  }

  // ---- active ----

  private reconcileActive(holder: { claim: KubeObject }): Resolved {
    try {
      const metaErr = this.validateAdditionalPodMetadata(holder.claim);
      if (metaErr !== undefined)
        throw new ClaimError('InvalidMetadata', `invalid additionalPodMetadata: ${metaErr}`);
      const found = this.getOrCreateSandbox(holder);
      if (found !== undefined)
        return { sandbox: this.syncBoundMetadata(holder.claim, found), err: undefined };
      const template = this.getTemplate(holder.claim);
      return { sandbox: this.createSandbox(holder.claim, template), err: undefined };
    } catch (e) {
      return { sandbox: undefined, err: e };
    }
  }

  private additionalMetadata(claim: KubeObject): {
    labels: Record<string, string>;
    annotations: Record<string, string>;
  } {
    const meta = spec(claim).additionalPodMetadata;
    return {
      labels: stringMap(isObj(meta) ? meta.labels : undefined),
      annotations: stringMap(isObj(meta) ? meta.annotations : undefined),
    };
  }

  private validateAdditionalPodMetadata(claim: KubeObject): string | undefined {
    const { labels, annotations } = this.additionalMetadata(claim);
    const allowed =
      this.ctx.allowedLabelDomains.length > 0 ? this.ctx.allowedLabelDomains : ['sandbox.users.io'];
    const validate = (key: string, value: string, isLabel: boolean): string | undefined => {
      const invalid = isQualifiedName(key);
      if (invalid !== undefined)
        return `invalid ${isLabel ? 'label' : 'annotation'} key: "${key}": ${invalid}`;
      if (isLabel && key.toLowerCase() === 'app' && value.toLowerCase() === 'sandbox-router') {
        return `restricted system label value: "${key}"="${value}" is not allowed in AdditionalPodMetadata`;
      }
      const slash = key.indexOf('/');
      const domain = slash >= 0 ? key.slice(0, slash).toLowerCase() : '';
      if (slash < 0 && isLabel) {
        return `label "${key}" must have a domain prefix (e.g. 'sandbox.users.io/my-label') to prevent opting into unintended policy domains`;
      }
      const inDomain = (d: string): boolean => domain === d || domain.endsWith(`.${d}`);
      if (isLabel) {
        if (!allowed.some(inDomain)) return `label domain "${domain}" is not in the allowlist`;
        if (value.length > 63 || !LABEL_VALUE.test(value)) {
          return `invalid label value: "${value}" does not match allowed pattern: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`;
        }
      } else if (
        RESTRICTED_ANNOTATION_DOMAINS.some(inDomain) &&
        !EXEMPT_ANNOTATIONS.includes(key as never)
      ) {
        return `restricted system domain: "${key}" is not allowed in AdditionalPodMetadata`;
      }
      return undefined;
    };
    for (const [k, v] of Object.entries(labels)) {
      const e = validate(k, v, true);
      if (e !== undefined) return `failed to validate label "${k}": ${e}`;
    }
    for (const [k, v] of Object.entries(annotations)) {
      const e = validate(k, v, false);
      if (e !== undefined) return `failed to validate annotation "${k}": ${e}`;
    }
    return undefined;
  }

  /** Claim metadata merged over template pod metadata; a different value for a key is an error. */
  private mergePodMetadata(target: Obj, claim: KubeObject): void {
    const { labels, annotations } = this.additionalMetadata(claim);
    const tLabels = stringMap(target.labels);
    const tAnnotations = stringMap(target.annotations);
    for (const [k, v] of Object.entries(labels)) {
      const tv = tLabels[k];
      if (tv !== undefined && tv !== v) {
        throw new Error(
          `metadata override conflict: label "${k}" is defined in template with value "${tv}", but claim requests "${v}"`,
        );
      }
    }
    for (const [k, v] of Object.entries(annotations)) {
      const tv = tAnnotations[k];
      if (tv !== undefined && tv !== v) {
        throw new Error(
          `metadata override conflict: annotation "${k}" is defined in template with value "${tv}", but claim requests "${v}"`,
        );
      }
    }
    if (Object.keys(labels).length > 0) target.labels = { ...tLabels, ...labels };
    if (Object.keys(annotations).length > 0)
      target.annotations = { ...tAnnotations, ...annotations };
  }

  private identityLabels(
    labels: Record<string, string>,
    claim: KubeObject,
  ): Record<string, string> {
    const out: Record<string, string> = { ...labels, [LABELS.claimUid]: claim.metadata.uid ?? '' };
    const createdBy = labelsOf(claim)[LABELS.createdBy];
    if (createdBy !== undefined && createdBy !== '' && this.ctx.flavor === 'v1beta1')
      out[LABELS.createdBy] = createdBy;
    else if (this.ctx.flavor === 'v1beta1') delete out[LABELS.createdBy];
    return out;
  }

  private ensureLaunchType(sandbox: KubeObject, launchType: 'cold' | 'warm'): KubeObject {
    if (labelsOf(sandbox)[LABELS.launchType] !== undefined) return sandbox;
    return this.ctx.store.patch(
      this.ctx.gvr.sandboxes,
      sandbox.metadata.namespace,
      sandbox.metadata.name ?? '',
      { metadata: { labels: { [LABELS.launchType]: launchType } } },
      'merge',
      { fieldManager: FIELD_MANAGER },
    );
  }

  private dropAssignedAnnotation(holder: { claim: KubeObject }): void {
    holder.claim = this.ctx.store.patch(
      this.ctx.gvr.claims,
      holder.claim.metadata.namespace,
      holder.claim.metadata.name ?? '',
      { metadata: { annotations: { [ANNOTATIONS.sandboxName]: null } } },
      'merge',
      { fieldManager: FIELD_MANAGER },
    );
  }

  private getOrCreateSandbox(holder: { claim: KubeObject }): KubeObject | undefined {
    const { store, gvr } = this.ctx;
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
        return this.ensureLaunchType(sb, warm ? 'warm' : 'cold');
      }
    }

    if (assigned !== '') {
      const sb = store.get(gvr.sandboxes, ns, assigned);
      if (sb === undefined) {
        this.dropAssignedAnnotation(holder);
      } else if (isControlledBy(sb, claim)) {
        return this.ensureLaunchType(sb, 'warm');
      } else {
        const ref = controllerOf(sb);
        if (ref?.kind === 'SandboxWarmPool') {
          if (this.candidateProblem(sb, claim) !== undefined) this.dropAssignedAnnotation(holder);
          else return this.completeAdoptionResolved(holder.claim, sb);
        } else if (ref?.kind === 'SandboxClaim') {
          this.dropAssignedAnnotation(holder);
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
      return this.ensureLaunchType(byName, 'cold');
    }

    const claimSpec = spec(holder.claim);
    const hasEnv = Array.isArray(claimSpec.env) && claimSpec.env.length > 0;
    if (this.ctx.flavor === 'v1beta1') {
      const hasVcts =
        Array.isArray(claimSpec.volumeClaimTemplates) && claimSpec.volumeClaimTemplates.length > 0;
      if (hasEnv || hasVcts) return undefined;
    } else {
      const policy = this.warmPolicyOf(holder.claim);
      if (policy !== 'none' && hasEnv)
        throw new Error('custom environment variables are not supported when using a warm pool');
      if (policy === 'none') return undefined;
    }
    return this.adoptFromCandidates(holder);
  }

  /** `verifySandboxCandidate` + `isAdoptable`: undefined when the Sandbox may be adopted. */
  private candidateProblem(sb: KubeObject, claim: KubeObject): string | undefined {
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
    if (ref.kind !== 'SandboxWarmPool' || groupOf(ref.apiVersion) !== this.ctx.gvr.pools.group)
      return 'not managed by warm pool';
    if (this.ctx.flavor === 'v1beta1' && ref.name !== this.poolNameOf(claim))
      return 'incorrect warm pool';
    if (this.ctx.flavor !== 'v1beta1') {
      if (labels[LABELS.sandboxTemplateRefHash] !== nameHash(this.templateNameOf(claim)))
        return 'incorrect template';
      const policy = this.warmPolicyOf(claim);
      if (policy !== 'default' && labels[LABELS.warmPoolSandbox] !== nameHash(policy))
        return 'incorrect warm pool';
    }
    return undefined;
  }

  private adoptFromCandidates(holder: { claim: KubeObject }): KubeObject | undefined {
    const { store, gvr } = this.ctx;
    const claim = holder.claim;
    const ns = claim.metadata.namespace ?? '';
    const selector =
      this.ctx.flavor === 'v1beta1'
        ? `${LABELS.warmPoolSandbox}=${nameHash(this.poolNameOf(claim))}`
        : `${LABELS.warmPoolSandbox},${LABELS.sandboxTemplateRefHash}=${nameHash(this.templateNameOf(claim))}`;
    const candidates = store
      .list(gvr.sandboxes, { namespace: ns, labelSelector: selector })
      .items.filter((sb) => this.candidateProblem(sb, claim) === undefined)
      .sort(
        (a, b) =>
          (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') ||
          Number(a.metadata.resourceVersion) - Number(b.metadata.resourceVersion),
      );

    let recreate: { hash: string; template: KubeObject } | undefined;
    if (this.ctx.flavor === 'v1beta1' && candidates.length > 0) {
      const pool = store.get(gvr.pools, ns, this.poolNameOf(claim));
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
      if (
        this.ctx.flavor !== 'v0.1.0' &&
        sandboxPodIPs(sb).length === 0 &&
        this.ctx.flavor === 'v1beta1'
      ) {
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
          const remaining = created + this.ctx.warmPoolAdoptionWaitMs - this.ctx.timers.now();
          if (remaining > 0)
            throw new PendingWarmCandidates(Math.min(WARM_RETRY_INTERVAL_MS, remaining));
        }
      }
      return undefined;
    }
    return this.adopt(holder, chosen);
  }

  private adopt(holder: { claim: KubeObject }, candidate: KubeObject): KubeObject {
    const { store, gvr } = this.ctx;
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
    const adopted = this.completeAdoptionResolved(holder.claim, candidate);
    this.claimEvent(
      holder.claim,
      'Adoption',
      `Adopted warm pool Sandbox "${adopted.metadata.name}"`,
      'SandboxAdopted',
    );
    return adopted;
  }

  /** Completes adoption; a 404/409 is resolved by re-reading the Sandbox. */
  private completeAdoptionResolved(claim: KubeObject, candidate: KubeObject): KubeObject {
    try {
      return this.completeAdoption(claim, candidate);
    } catch (e) {
      if (!isConflict(e) && !isNotFound(e))
        throw new Error(
          `failed to complete adoption of "${candidate.metadata.name}": ${errorMessage(e)}`,
        );
      const fresh = this.ctx.store.get(
        this.ctx.gvr.sandboxes,
        candidate.metadata.namespace,
        candidate.metadata.name ?? '',
      );
      if (fresh !== undefined && isControlledBy(fresh, claim)) return fresh;
      if (
        fresh !== undefined &&
        controllerOf(fresh)?.kind === 'SandboxWarmPool' &&
        this.candidateProblem(fresh, claim) === undefined
      ) {
        return this.completeAdoption(claim, fresh);
      }
      throw new ClaimError(
        'AdoptionConflict',
        `adoption write conflict: sandbox ${candidate.metadata.name} was taken by another writer`,
      );
    }
  }

  private completeAdoption(claim: KubeObject, candidate: KubeObject): KubeObject {
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
    sb.metadata.labels = this.identityLabels(labels, claim);
    ptMeta.labels = this.identityLabels(stringMap(ptMeta.labels), claim);

    let template: KubeObject | undefined;
    try {
      template = this.getTemplate(claim);
    } catch {
      template = undefined;
    }
    if (templateHash === '' && template !== undefined)
      templateHash = nameHash(template.metadata.name ?? '');
    if (templateHash !== '') sb.metadata.labels[LABELS.sandboxTemplateRefHash] = templateHash;
    if (template !== undefined) {
      const merged = this.templatePodMetadata(template, claim, templateHash);
      pt.metadata = merged;
    } else {
      if (templateHash !== '')
        ptMeta.labels = {
          ...stringMap(ptMeta.labels),
          [LABELS.sandboxTemplateRefHash]: templateHash,
        };
      this.mergePodMetadata(ptMeta, claim);
      pt.metadata = ptMeta;
    }
    sbSpec.podTemplate = pt;
    sb.spec = sbSpec;
    // Optimistic lock: resourceVersion from the candidate we chose.
    return this.ctx.store.update(this.ctx.gvr.sandboxes, sb, { fieldManager: FIELD_MANAGER });
  }

  private templatePodMetadata(template: KubeObject, claim: KubeObject, templateHash: string): Obj {
    const tpt = templateSpec(template).podTemplate;
    const merged: Obj = clone(isObj(tpt) && isObj(tpt.metadata) ? tpt.metadata : {});
    const labels = stringMap(merged.labels);
    labels[LABELS.claimUid] = claim.metadata.uid ?? '';
    if (templateHash !== '') labels[LABELS.sandboxTemplateRefHash] = templateHash;
    const createdBy = labelsOf(claim)[LABELS.createdBy];
    if (this.ctx.flavor === 'v1beta1') {
      if (createdBy !== undefined && createdBy !== '') labels[LABELS.createdBy] = createdBy;
      else delete labels[LABELS.createdBy];
    }
    merged.labels = labels;
    this.mergePodMetadata(merged, claim);
    return merged;
  }

  /** Keeps a bound Sandbox's pod metadata in line with template + claim (upstream's fast path). */
  private syncBoundMetadata(claim: KubeObject, sandbox: KubeObject): KubeObject {
    let template: KubeObject | undefined;
    try {
      template = this.getTemplate(claim);
    } catch (e) {
      const { labels, annotations } = this.additionalMetadata(claim);
      if (Object.keys(labels).length > 0 || Object.keys(annotations).length > 0) {
        throw new Error(`failed to get template for metadata propagation: ${errorMessage(e)}`);
      }
      return sandbox;
    }
    const templateHash = nameHash(template.metadata.name ?? '');
    const merged = this.templatePodMetadata(template, claim, templateHash);
    const sbSpec = spec(sandbox);
    const pt = isObj(sbSpec.podTemplate) ? sbSpec.podTemplate : {};
    const labels = { ...labelsOf(sandbox) };
    let needsUpdate = !deepEqual(merged, isObj(pt.metadata) ? pt.metadata : {});
    if (labels[LABELS.sandboxTemplateRefHash] !== templateHash) {
      labels[LABELS.sandboxTemplateRefHash] = templateHash;
      needsUpdate = true;
    }
    if (this.ctx.flavor === 'v1beta1') {
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
      return this.ctx.store.update(this.ctx.gvr.sandboxes, updated, {
        fieldManager: FIELD_MANAGER,
      });
    } catch (e) {
      throw new Error(
        `failed to patch sandbox metadata for claim "${claim.metadata.name}": ${errorMessage(e)}`,
      );
    }
  }

  private createSandbox(claim: KubeObject, template: KubeObject): KubeObject {
    const tspec = templateSpec(template);
    const templateName = template.metadata.name ?? '';
    const templateHash = nameHash(templateName);
    const annotations: Record<string, string> = { [ANNOTATIONS.sandboxTemplateRef]: templateName };
    const trace = annotationsOf(claim)[ANNOTATIONS.traceContext];
    if (trace !== undefined) annotations[ANNOTATIONS.traceContext] = trace;
    const sbSpec: Obj = blueprintOf(tspec);
    const claimSpec = spec(claim);

    if (
      this.ctx.flavor === 'v1beta1' &&
      Array.isArray(claimSpec.volumeClaimTemplates) &&
      claimSpec.volumeClaimTemplates.length > 0
    ) {
      sbSpec.volumeClaimTemplates = this.mergeVolumeClaimTemplates(
        tspec,
        claimSpec.volumeClaimTemplates as Obj[],
      );
    }
    const labels = this.identityLabels({}, claim);
    labels[LABELS.launchType] = 'cold';
    labels[LABELS.sandboxTemplateRefHash] = templateHash;
    const pt: Obj = isObj(sbSpec.podTemplate) ? sbSpec.podTemplate : {};
    const ptMeta: Obj = isObj(pt.metadata) ? pt.metadata : {};
    ptMeta.labels = {
      ...this.identityLabels(stringMap(ptMeta.labels), claim),
      [LABELS.sandboxTemplateRefHash]: templateHash,
    };
    this.mergePodMetadata(ptMeta, claim);
    pt.metadata = ptMeta;
    const podSpec: Obj = isObj(pt.spec) ? pt.spec : {};
    pt.spec = podSpec;
    sbSpec.podTemplate = pt;

    const env = Array.isArray(claimSpec.env) ? (claimSpec.env as Obj[]) : [];
    if (env.length > 0) this.injectEnv(podSpec, env, tspec.envVarsInjectionPolicy);
    applySecureDefaults(template, podSpec);

    const sandbox: KubeObject = {
      apiVersion: `${this.ctx.gvr.sandboxes.group}/${this.ctx.gvr.sandboxes.version}`,
      kind: 'Sandbox',
      metadata: {
        name: claim.metadata.name ?? '',
        namespace: claim.metadata.namespace ?? '',
        labels,
        annotations,
        ownerReferences: [controllerRef(claim)],
      },
      spec: sbSpec,
    };
    let created: KubeObject;
    try {
      created = this.ctx.store.create(this.ctx.gvr.sandboxes, sandbox, {
        fieldManager: FIELD_MANAGER,
      });
    } catch (e) {
      if (isAlreadyExists(e))
        throw new ClaimError(
          'AlreadyExists',
          `sandbox already exists (cache lag): ${errorMessage(e)}`,
        );
      throw new Error(`sandbox create error: ${errorMessage(e)}`);
    }
    this.claimEvent(
      claim,
      'Provisioning',
      `Created Sandbox "${created.metadata.name}"`,
      'SandboxProvisioned',
    );
    return created;
  }

  private injectEnv(podSpec: Obj, env: Obj[], policy: unknown): void {
    if (policy !== 'Allowed' && policy !== 'Overrides') {
      throw new ClaimError(
        'EnvVarsInjectionRejected',
        'environment variable injection rejected: environment variable injection is not allowed by the template policy',
      );
    }
    const containers = Array.isArray(podSpec.containers) ? (podSpec.containers as Obj[]) : [];
    const inits = Array.isArray(podSpec.initContainers) ? (podSpec.initContainers as Obj[]) : [];
    const byContainer = new Map<string, Obj[]>();
    const defaults: Obj[] = [];
    for (const e of env) {
      const target = typeof e.containerName === 'string' ? e.containerName : '';
      if (target === '') defaults.push(e);
      else byContainer.set(target, [...(byContainer.get(target) ?? []), e]);
    }
    const known = new Set([...inits, ...containers].map((c) => String(c.name)));
    for (const [target, envs] of byContainer) {
      if (!known.has(target)) {
        throw new Error(
          `target container "${target}" not found in template for environment variable "${String(envs[0]?.name)}"`,
        );
      }
    }
    const inject = (container: Obj, envs: Obj[]): void => {
      if (
        policy === 'Allowed' &&
        Array.isArray(container.envFrom) &&
        container.envFrom.length > 0
      ) {
        throw new ClaimError(
          'EnvVarsInjectionRejected',
          `environment variable injection rejected: container "${String(container.name)}" uses EnvFrom sources; Allowed policy cannot safely prevent overriding EnvFrom-provided variables`,
        );
      }
      const list = Array.isArray(container.env) ? [...(container.env as Obj[])] : [];
      for (const e of envs) {
        const entry = { name: String(e.name), value: str(e.value) };
        const index = list.findIndex((x) => x.name === entry.name);
        if (index >= 0) {
          if (policy !== 'Overrides') {
            throw new Error(
              `environment variable override is not allowed by the template policy for variable "${entry.name}"`,
            );
          }
          list[index] = entry;
        } else list.push(entry);
      }
      container.env = list;
    };
    for (const c of inits) {
      const envs = byContainer.get(String(c.name));
      if (envs !== undefined) inject(c, envs);
    }
    containers.forEach((c, i) => {
      const envs = [...(byContainer.get(String(c.name)) ?? []), ...(i === 0 ? defaults : [])];
      if (envs.length > 0) inject(c, envs);
    });
  }

  private mergeVolumeClaimTemplates(tspec: Obj, claimVcts: Obj[]): Obj[] {
    const policy =
      typeof tspec.volumeClaimTemplatesPolicy === 'string'
        ? tspec.volumeClaimTemplatesPolicy
        : 'Disallowed';
    const nameOf = (v: Obj): string => (isObj(v.metadata) ? str(v.metadata.name) : '');
    const base = Array.isArray(tspec.volumeClaimTemplates)
      ? clone(tspec.volumeClaimTemplates as Obj[])
      : [];
    if (policy !== 'Allowed' && policy !== 'Overrides') {
      throw new ClaimError(
        'VolumeClaimTemplatesError',
        'failed to merge volume claim templates: volume claim templates are disallowed by the template',
      );
    }
    const seen = new Set<string>();
    for (const v of claimVcts) {
      const n = nameOf(v);
      if (n === '' || seen.has(n)) {
        throw new ClaimError(
          'VolumeClaimTemplatesError',
          `failed to merge volume claim templates: invalid volume claim templates: duplicate or empty name "${n}"`,
        );
      }
      seen.add(n);
    }
    const out = [...base];
    for (const v of claimVcts) {
      const index = out.findIndex((b) => nameOf(b) === nameOf(v));
      if (index >= 0) {
        if (policy !== 'Overrides') {
          throw new ClaimError(
            'VolumeClaimTemplatesError',
            `failed to merge volume claim templates: overriding volume claim templates is forbidden by the template: "${nameOf(v)}"`,
          );
        }
        out[index] = clone(v);
      } else out.push(clone(v));
    }
    return out;
  }

  // ---- v0.1.0 ----

  /** v0.1.0: cold create from the template (or reuse), Ready reasons SandboxReady/SandboxNotReady. */
  private reconcileV010(claim: KubeObject): ReconcileResult | void {
    const oldStatus = clone(isObj(claim.status) ? claim.status : {});
    const status: Obj = clone(oldStatus);
    let sandbox: KubeObject | undefined;
    let err: unknown;
    try {
      const holder = { claim };
      sandbox = this.getOrCreateSandbox(holder);
      claim = holder.claim;
      sandbox ??= this.createSandbox(claim, this.getTemplate(claim));
    } catch (e) {
      err = e;
    }
    const generation = claim.metadata.generation ?? 0;
    let cond: Condition;
    if (err instanceof ClaimError && err.kind === 'TemplateNotFound') {
      cond = {
        type: 'Ready',
        status: 'False',
        observedGeneration: generation,
        reason: 'TemplateNotFound',
        message: err.message,
      };
    } else if (err !== undefined) {
      cond = {
        type: 'Ready',
        status: 'False',
        observedGeneration: generation,
        reason: 'ReconcilerError',
        message: `Error seen: ${errorMessage(err)}`,
      };
    } else if (sandbox !== undefined && sandboxReady(sandbox)) {
      cond = {
        type: 'Ready',
        status: 'True',
        observedGeneration: generation,
        reason: 'SandboxReady',
        message: 'Sandbox is ready',
      };
    } else {
      cond = {
        type: 'Ready',
        status: 'False',
        observedGeneration: generation,
        reason: 'SandboxNotReady',
        message: 'Sandbox is not ready',
      };
    }
    setCondition(conditionsOf(status), cond, this.ctx.timers.now());
    if (sandbox !== undefined) status.sandbox = { Name: sandbox.metadata.name };
    claim.status = status;
    this.writeStatus(claim, oldStatus);
    if (err instanceof ClaimError && err.kind === 'TemplateNotFound')
      return { requeueAfterMs: MISSING_DEPENDENCY_REQUEUE_MS };
    if (err !== undefined) throw asError(err);
  }
}
