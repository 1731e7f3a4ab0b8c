/**
 * What the extension controllers copy from a SandboxTemplate: the blueprint (podTemplate,
 * volumeClaimTemplates, service), its hashes, and upstream's secure defaults
 * (`extensions/controllers/utils.go` ApplySandboxSecureDefaults).
 */
import { nameHash } from '@corral/agent-sandbox';
import type { KubeObject } from '../store/types.js';
import { clone, deepEqual, isObj, type Obj } from './kube.js';

export function templateSpec(template: KubeObject): Obj {
  return isObj(template.spec) ? template.spec : {};
}

/** A deep copy of the template's SandboxBlueprint fields, in upstream's field order. */
export function blueprintOf(spec: Obj): Obj {
  const out: Obj = {};
  if (spec.podTemplate !== undefined) out.podTemplate = clone(spec.podTemplate);
  if (spec.volumeClaimTemplates !== undefined)
    out.volumeClaimTemplates = clone(spec.volumeClaimTemplates);
  if (spec.service !== undefined) out.service = spec.service;
  return out;
}

/**
 * FNV hash of the blueprint JSON. Upstream hashes Go's `json.Marshal` output, so the values
 * differ from a real cluster's; only equality between our own hashes matters.
 */
export function blueprintHash(template: KubeObject): string {
  return nameHash(JSON.stringify(blueprintOf(templateSpec(template))));
}

export function podTemplateHash(template: KubeObject): string {
  return nameHash(JSON.stringify(templateSpec(template).podTemplate ?? {}));
}

export function applySecureDefaults(template: KubeObject, podSpec: Obj): void {
  if (podSpec.automountServiceAccountToken === undefined)
    podSpec.automountServiceAccountToken = false;
  const spec = templateSpec(template);
  const management = spec.networkPolicyManagement;
  const managed = management === undefined || management === '' || management === 'Managed';
  if (
    managed &&
    spec.networkPolicy === undefined &&
    (podSpec.dnsPolicy === undefined || podSpec.dnsPolicy === '')
  ) {
    podSpec.dnsPolicy = 'None';
    podSpec.dnsConfig = { nameservers: ['8.8.8.8', '1.1.1.1'] };
  }
}

/** Upstream's semantic staleness check: pod spec after secure defaults, VCTs, service. */
export function blueprintMatches(template: KubeObject, sandboxSpec: Obj): boolean {
  const tspec = templateSpec(template);
  const tplPod = isObj(tspec.podTemplate) ? tspec.podTemplate : {};
  const expectedPodSpec = clone(isObj(tplPod.spec) ? tplPod.spec : {});
  applySecureDefaults(template, expectedPodSpec);
  const sbPod = isObj(sandboxSpec.podTemplate) ? sandboxSpec.podTemplate : {};
  return (
    deepEqual(expectedPodSpec, isObj(sbPod.spec) ? sbPod.spec : {}) &&
    deepEqual(tspec.volumeClaimTemplates ?? [], sandboxSpec.volumeClaimTemplates ?? []) &&
    deepEqual(tspec.service, sandboxSpec.service)
  );
}
