/**
 * The agent-sandbox conversion webhook's rules (v1alpha1 <-> v1beta1, v1beta1 is the hub), so
 * a fake that stores v1beta1 answers v1alpha1 clients the way a real v0.5.x install does.
 *
 * Alpha -> beta keeps the whole alpha object in an annotation
 * (`api.agents.x-k8s.io/v1alpha1-<kind>-state`) so a later beta -> alpha read can restore
 * alpha-only choices; beta-only fields survive an alpha round trip through
 * `api.agents.x-k8s.io/v1beta1-*` annotations.
 */
import { isPlainObject } from '../store/patch.js';
import type { KubeObject } from '../store/types.js';

type Obj = Record<string, unknown>;

export const SANDBOX_GROUP = 'agents.x-k8s.io';
export const EXTENSIONS_GROUP = 'extensions.agents.x-k8s.io';
const STATE_PREFIX = 'api.agents.x-k8s.io/v1alpha1-';
export const TEMPLATE_VCT_POLICY_ANNOTATION =
  'api.agents.x-k8s.io/v1beta1-volume-claim-templates-policy';
export const CLAIM_VCT_ANNOTATION =
  'api.agents.x-k8s.io/v1beta1-sandboxclaim-volume-claim-templates';

export function stateAnnotation(kind: string): string {
  return `${STATE_PREFIX}${kind.toLowerCase()}-state`;
}

const asObj = (v: unknown): Obj => (isPlainObject(v) ? v : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

function cloneObject(object: KubeObject, apiVersion: string): KubeObject {
  const copy = structuredClone(object);
  copy.apiVersion = apiVersion;
  return copy;
}

function setAnnotation(object: KubeObject, key: string, value: string | undefined): void {
  const annotations = { ...(object.metadata.annotations ?? {}) };
  if (value === undefined) delete annotations[key];
  else annotations[key] = value;
  if (Object.keys(annotations).length === 0) delete object.metadata.annotations;
  else object.metadata.annotations = annotations;
}

function takeAnnotation(object: KubeObject, key: string): string | undefined {
  const value = object.metadata.annotations?.[key];
  if (value !== undefined) setAnnotation(object, key, undefined);
  return value;
}

function parseState(json: string | undefined): KubeObject | undefined {
  if (json === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(json);
    return isPlainObject(parsed) ? (parsed as KubeObject) : undefined;
  } catch {
    return undefined;
  }
}

/** Records the alpha object (minus the bookkeeping that would make it grow) on the beta one. */
function recordAlphaState(alpha: KubeObject, beta: KubeObject): void {
  const state = structuredClone(alpha);
  delete state.metadata.managedFields;
  if (state.metadata.annotations) {
    for (const key of Object.keys(state.metadata.annotations)) {
      if (key.startsWith(STATE_PREFIX)) delete state.metadata.annotations[key];
    }
  }
  setAnnotation(beta, stateAnnotation(alpha.kind), JSON.stringify(state));
}

function stripRandomSuffix(name: string): string {
  const i = name.lastIndexOf('-');
  return i === -1 ? name : name.slice(0, i);
}

// --- Sandbox: spec.replicas (0/1) <-> spec.operatingMode (Suspended/Running) ---

function sandboxToBeta(alpha: KubeObject, apiVersion: string): KubeObject {
  const beta = cloneObject(alpha, apiVersion);
  takeAnnotation(beta, stateAnnotation('Sandbox'));
  const spec = asObj(beta.spec);
  if (spec.replicas !== undefined) {
    spec.operatingMode = spec.replicas === 0 ? 'Suspended' : 'Running';
    delete spec.replicas;
  }
  if (isPlainObject(beta.status)) delete beta.status.replicas;
  recordAlphaState(alpha, beta);
  return beta;
}

function sandboxToAlpha(beta: KubeObject, apiVersion: string): KubeObject {
  const alpha = cloneObject(beta, apiVersion);
  const state = parseState(takeAnnotation(alpha, stateAnnotation('Sandbox')));
  const spec = asObj(alpha.spec);
  const mode = spec.operatingMode;
  delete spec.operatingMode;
  spec.replicas = mode === 'Suspended' ? 0 : 1;
  if (isPlainObject(alpha.status)) {
    delete alpha.status.nodeName;
    const oldStatus = asObj(state?.status);
    const podRunning = Array.isArray(alpha.status.podIPs) && alpha.status.podIPs.length > 0;
    alpha.status.replicas =
      typeof oldStatus.replicas === 'number' && !podRunning
        ? oldStatus.replicas
        : podRunning
          ? 1
          : 0;
  }
  return alpha;
}

// --- SandboxTemplate: beta-only volumeClaimTemplatesPolicy rides in an annotation ---

function templateToBeta(alpha: KubeObject, apiVersion: string): KubeObject {
  const beta = cloneObject(alpha, apiVersion);
  takeAnnotation(beta, stateAnnotation('SandboxTemplate'));
  const policy = takeAnnotation(beta, TEMPLATE_VCT_POLICY_ANNOTATION);
  if (policy !== undefined && isPlainObject(beta.spec))
    beta.spec.volumeClaimTemplatesPolicy = policy;
  recordAlphaState(alpha, beta);
  return beta;
}

function templateToAlpha(beta: KubeObject, apiVersion: string): KubeObject {
  const alpha = cloneObject(beta, apiVersion);
  takeAnnotation(alpha, stateAnnotation('SandboxTemplate'));
  const spec = asObj(alpha.spec);
  if (typeof spec.volumeClaimTemplatesPolicy === 'string') {
    setAnnotation(alpha, TEMPLATE_VCT_POLICY_ANNOTATION, spec.volumeClaimTemplatesPolicy);
  }
  delete spec.volumeClaimTemplatesPolicy;
  return alpha;
}

// --- SandboxWarmPool: same fields; beta-only status.observedGeneration is dropped ---

function poolToBeta(alpha: KubeObject, apiVersion: string): KubeObject {
  const beta = cloneObject(alpha, apiVersion);
  takeAnnotation(beta, stateAnnotation('SandboxWarmPool'));
  recordAlphaState(alpha, beta);
  return beta;
}

function poolToAlpha(beta: KubeObject, apiVersion: string): KubeObject {
  const alpha = cloneObject(beta, apiVersion);
  takeAnnotation(alpha, stateAnnotation('SandboxWarmPool'));
  if (isPlainObject(alpha.status)) delete alpha.status.observedGeneration;
  return alpha;
}

// --- SandboxClaim: sandboxTemplateRef + warmpool <-> warmPoolRef ---

const isSpecificPool = (warmpool: unknown): warmpool is string =>
  typeof warmpool === 'string' && warmpool !== '' && warmpool !== 'none' && warmpool !== 'default';

function claimToBeta(alpha: KubeObject, apiVersion: string): KubeObject {
  const beta = cloneObject(alpha, apiVersion);
  takeAnnotation(beta, stateAnnotation('SandboxClaim'));
  const vcts = takeAnnotation(beta, CLAIM_VCT_ANNOTATION);
  const spec = asObj(beta.spec);
  const templateName = str(asObj(spec.sandboxTemplateRef).name);
  const sandboxName = asObj(asObj(beta.status).sandbox).name;
  let poolName: string;
  if (isSpecificPool(spec.warmpool)) poolName = spec.warmpool;
  else if (
    typeof sandboxName === 'string' &&
    sandboxName !== '' &&
    sandboxName !== alpha.metadata.name
  ) {
    poolName = stripRandomSuffix(sandboxName);
  } else poolName = `shadow-pool-${templateName}`;
  delete spec.sandboxTemplateRef;
  delete spec.warmpool;
  spec.warmPoolRef = { name: poolName };
  if (vcts !== undefined) {
    try {
      spec.volumeClaimTemplates = JSON.parse(vcts) as unknown;
    } catch {
      // A hand-edited annotation that is not JSON carries nothing we can restore.
    }
  }
  beta.spec = spec;
  recordAlphaState(alpha, beta);
  return beta;
}

function claimToAlpha(beta: KubeObject, apiVersion: string): KubeObject {
  const alpha = cloneObject(beta, apiVersion);
  const state = parseState(takeAnnotation(alpha, stateAnnotation('SandboxClaim')));
  const spec = asObj(alpha.spec);
  const poolName = str(asObj(spec.warmPoolRef).name);
  delete spec.warmPoolRef;
  if (Array.isArray(spec.volumeClaimTemplates)) {
    setAnnotation(alpha, CLAIM_VCT_ANNOTATION, JSON.stringify(spec.volumeClaimTemplates));
  }
  delete spec.volumeClaimTemplates;
  if (poolName.startsWith('shadow-pool-')) {
    spec.sandboxTemplateRef = { name: poolName.slice('shadow-pool-'.length) };
    spec.warmpool = 'default';
  } else {
    spec.sandboxTemplateRef = { name: poolName };
    spec.warmpool = poolName;
  }
  if (state !== undefined) {
    const original = asObj(state.spec);
    const originalTemplate = asObj(original.sandboxTemplateRef);
    const expected = isSpecificPool(original.warmpool)
      ? original.warmpool
      : str(originalTemplate.name);
    const sandboxName = asObj(asObj(beta.status).sandbox).name;
    const matches =
      poolName === expected ||
      poolName === `shadow-pool-${expected}` ||
      (typeof sandboxName === 'string' &&
        sandboxName !== '' &&
        (poolName === sandboxName || poolName === stripRandomSuffix(sandboxName)));
    spec.sandboxTemplateRef = original.sandboxTemplateRef;
    if (matches) {
      if (original.warmpool === undefined) delete spec.warmpool;
      else spec.warmpool = original.warmpool;
    } else {
      spec.warmpool = poolName;
    }
  }
  alpha.spec = spec;
  return alpha;
}

const RULES: Record<
  string,
  {
    toBeta: (o: KubeObject, v: string) => KubeObject;
    toAlpha: (o: KubeObject, v: string) => KubeObject;
  }
> = {
  Sandbox: { toBeta: sandboxToBeta, toAlpha: sandboxToAlpha },
  SandboxTemplate: { toBeta: templateToBeta, toAlpha: templateToAlpha },
  SandboxWarmPool: { toBeta: poolToBeta, toAlpha: poolToAlpha },
  SandboxClaim: { toBeta: claimToBeta, toAlpha: claimToAlpha },
};

/** Whether a kind in a group is one the agent-sandbox webhook converts. */
export function isAgentSandboxKind(group: string, kind: string): boolean {
  return (
    (group === SANDBOX_GROUP && kind === 'Sandbox') ||
    (group === EXTENSIONS_GROUP && kind in RULES && kind !== 'Sandbox')
  );
}

/** Converts an agent-sandbox object between `v1alpha1` and `v1beta1`. */
export function convertAgentSandbox(object: KubeObject, toVersion: string): KubeObject {
  const [group = '', fromVersion = ''] = object.apiVersion.split('/');
  const target = `${group}/${toVersion}`;
  if (fromVersion === toVersion) return object;
  const rules = RULES[object.kind];
  if (rules === undefined) return { ...object, apiVersion: target };
  if (fromVersion === 'v1alpha1' && toVersion === 'v1beta1') return rules.toBeta(object, target);
  if (fromVersion === 'v1beta1' && toVersion === 'v1alpha1') return rules.toAlpha(object, target);
  return { ...object, apiVersion: target };
}
