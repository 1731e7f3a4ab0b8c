/**
 * Cold create (upstream `createSandbox`, `injectEnvs`, `mergeVolumeClaimTemplates`): a Sandbox from
 * the claim's template.
 */
import { ANNOTATIONS, LABELS, nameHash } from '@corral/agent-sandbox';
import type { KubeObject } from '../../store/types.js';
import { applySecureDefaults, blueprintOf, templateSpec } from '../blueprint.js';
import { FIELD_MANAGER, type ControllerContext } from '../context.js';
import {
  annotationsOf,
  clone,
  controllerRef,
  errorMessage,
  isAlreadyExists,
  isObj,
  str,
  type Obj,
} from '../kube.js';
import { claimEvent } from './check-expiration.js';
import { identityLabels } from './sandbox-identity.js';
import { mergePodMetadata } from './merge-pod-metadata.js';
import { ClaimError, spec, stringMap } from './claim-shared.js';

export function createSandbox(
  ctx: ControllerContext,
  claim: KubeObject,
  template: KubeObject,
): KubeObject {
  const tspec = templateSpec(template);
  const templateName = template.metadata.name ?? '';
  const templateHash = nameHash(templateName);
  const annotations: Record<string, string> = { [ANNOTATIONS.sandboxTemplateRef]: templateName };
  const trace = annotationsOf(claim)[ANNOTATIONS.traceContext];
  if (trace !== undefined) annotations[ANNOTATIONS.traceContext] = trace;
  const sbSpec: Obj = blueprintOf(tspec);
  const claimSpec = spec(claim);

  if (
    ctx.flavor === 'v1beta1' &&
    Array.isArray(claimSpec.volumeClaimTemplates) &&
    claimSpec.volumeClaimTemplates.length > 0
  ) {
    sbSpec.volumeClaimTemplates = mergeVolumeClaimTemplates(
      tspec,
      claimSpec.volumeClaimTemplates as Obj[],
    );
  }
  const labels = identityLabels(ctx, {}, claim);
  labels[LABELS.launchType] = 'cold';
  labels[LABELS.sandboxTemplateRefHash] = templateHash;
  const pt: Obj = isObj(sbSpec.podTemplate) ? sbSpec.podTemplate : {};
  const ptMeta: Obj = isObj(pt.metadata) ? pt.metadata : {};
  ptMeta.labels = {
    ...identityLabels(ctx, stringMap(ptMeta.labels), claim),
    [LABELS.sandboxTemplateRefHash]: templateHash,
  };
  mergePodMetadata(ptMeta, claim);
  pt.metadata = ptMeta;
  const podSpec: Obj = isObj(pt.spec) ? pt.spec : {};
  pt.spec = podSpec;
  sbSpec.podTemplate = pt;

  const env = Array.isArray(claimSpec.env) ? (claimSpec.env as Obj[]) : [];
  if (env.length > 0) injectEnv(podSpec, env, tspec.envVarsInjectionPolicy);
  applySecureDefaults(template, podSpec);

  const sandbox: KubeObject = {
    apiVersion: `${ctx.gvr.sandboxes.group}/${ctx.gvr.sandboxes.version}`,
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
    created = ctx.store.create(ctx.gvr.sandboxes, sandbox, {
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
  claimEvent(
    ctx,
    claim,
    'Provisioning',
    `Created Sandbox "${created.metadata.name}"`,
    'SandboxProvisioned',
  );
  return created;
}

export function injectEnv(podSpec: Obj, env: Obj[], policy: unknown): void {
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
    if (policy === 'Allowed' && Array.isArray(container.envFrom) && container.envFrom.length > 0) {
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

export function mergeVolumeClaimTemplates(tspec: Obj, claimVcts: Obj[]): Obj[] {
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
