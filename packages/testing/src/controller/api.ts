/**
 * Which agent-sandbox API the simulated cluster serves, decided in one place. The controller works
 * in the CRDs' storage version, as upstream's controller does:
 * - `v1beta1`: upstream main / v0.5.x (claims name a `warmPoolRef`; Sandbox `operatingMode`).
 * - `v1alpha1`: v0.3.10–v0.4.x (claims name a `sandboxTemplateRef` plus a `warmpool` policy;
 *   Sandbox `replicas` 0/1).
 * - `v0.1.0`: the first release (claims name a template only; status `sandbox.Name`).
 */
import { CORE_GROUP, EXTENSIONS_GROUP } from '@corral/agent-sandbox';
import type { GroupVersionResource, ObjectStore } from '../store/types.js';
import { CRDS, isObj } from './kube.js';

export type ApiFlavor = 'v1beta1' | 'v1alpha1' | 'v0.1.0';

export interface AgentSandboxGvrs {
  sandboxes: GroupVersionResource;
  claims: GroupVersionResource;
  templates: GroupVersionResource;
  pools: GroupVersionResource;
}

export function gvrsFor(flavor: ApiFlavor): AgentSandboxGvrs {
  const version = flavor === 'v1beta1' ? 'v1beta1' : 'v1alpha1';
  return {
    sandboxes: { group: CORE_GROUP, version, resource: 'sandboxes' },
    claims: { group: EXTENSIONS_GROUP, version, resource: 'sandboxclaims' },
    templates: { group: EXTENSIONS_GROUP, version, resource: 'sandboxtemplates' },
    pools: { group: EXTENSIONS_GROUP, version, resource: 'sandboxwarmpools' },
  };
}

function serves(store: ObjectStore, gvr: GroupVersionResource): boolean {
  try {
    store.list(gvr, { limit: 1 });
    return true;
  } catch {
    return false;
  }
}

/** True when the served claim schema still looks like v0.1.0 (no `warmpool`, no `lifecycle`). */
function claimCrdIsV010(store: ObjectStore): boolean {
  // The fake store exposes its registry; a real-API-backed store would serve the CRD object.
  const registry = (store as { registry?: { byKind?(group: string, kind: string): unknown } })
    .registry;
  const type = registry?.byKind?.(EXTENSIONS_GROUP, 'SandboxClaim');
  if (isObj(type) && Array.isArray(type.versions)) {
    const text = JSON.stringify(type.versions);
    return !text.includes('"warmpool"') && !text.includes('"lifecycle"');
  }
  let crd: unknown;
  try {
    crd = store.get(CRDS, undefined, `sandboxclaims.${EXTENSIONS_GROUP}`);
  } catch {
    return false;
  }
  if (!isObj(crd) || !isObj(crd.spec) || !Array.isArray(crd.spec.versions)) return false;
  const text = JSON.stringify(crd.spec.versions);
  return !text.includes('"warmpool"') && !text.includes('"lifecycle"');
}

/**
 * Reads the flavor from what the store serves: v1beta1 when it serves `sandboxclaims` in
 * v1beta1 (then v1beta1 is the storage version), else alpha, told apart by the claim CRD schema
 * when the store serves CRDs.
 */
export function detectFlavor(store: ObjectStore): ApiFlavor {
  if (serves(store, gvrsFor('v1beta1').claims)) return 'v1beta1';
  if (serves(store, gvrsFor('v1alpha1').claims)) {
    return claimCrdIsV010(store) ? 'v0.1.0' : 'v1alpha1';
  }
  throw new Error(
    'startAgentSandboxController: the store serves no SandboxClaim resource in v1beta1 or v1alpha1; ' +
      'install the agent-sandbox CRDs first, or pass options.apiFlavor explicitly',
  );
}
