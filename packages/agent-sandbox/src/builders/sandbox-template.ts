/** Builds a SandboxTemplate with secure pod defaults (see pod-spec.ts). */
import type {
  V1NetworkPolicyEgressRule,
  V1NetworkPolicyIngressRule,
} from '@kubernetes/client-node';
import { apiVersionOf } from '../resources.js';
import { SCHEMAS } from '../schemas/registry.js';
import type {
  EnvVarsInjectionPolicy,
  NetworkPolicyManagement,
  SandboxTemplateInput,
  SandboxTemplateV1alpha1Input,
  VolumeClaimTemplatesPolicy,
} from '../schemas/sandbox-template.js';
import { KubeInvalidArgumentError } from '../errors/config-errors.js';
import { objectMeta, requireString, validated, versionOf } from './common.js';
import type { StringMap } from './common.js';
import { buildPodSpec } from './pod-spec.js';
import type { PodSpecOptions } from './pod-spec.js';

export interface VolumeClaimTemplateInput {
  metadata: { name: string; labels?: StringMap; annotations?: StringMap };
  /** core/v1 PersistentVolumeClaimSpec. */
  spec: Record<string, unknown>;
}

export interface SandboxTemplateOptions extends PodSpecOptions {
  name: string;
  namespace?: string;
  labels?: StringMap;
  annotations?: StringMap;
  /** Labels/annotations for the pods (merged into `spec.podTemplate.metadata`). */
  podLabels?: StringMap;
  podAnnotations?: StringMap;
  /** Rules of the template's NetworkPolicy; `[]` in a direction denies all of it. */
  networkPolicy?: {
    ingress?: V1NetworkPolicyIngressRule[];
    egress?: V1NetworkPolicyEgressRule[];
  };
  networkPolicyManagement?: NetworkPolicyManagement;
  envVarsInjectionPolicy?: EnvVarsInjectionPolicy;
  /** v1beta1 only. */
  volumeClaimTemplatesPolicy?: VolumeClaimTemplatesPolicy;
  volumeClaimTemplates?: VolumeClaimTemplateInput[];
  /** true: every Sandbox from this template gets a headless Service. */
  service?: boolean;
  version?: 'v1beta1' | 'v1alpha1';
}

const FN = 'buildSandboxTemplate';

export function buildSandboxTemplate(
  options: SandboxTemplateOptions & { version?: 'v1beta1' },
): SandboxTemplateInput;
export function buildSandboxTemplate(
  options: SandboxTemplateOptions & { version: 'v1alpha1' },
): SandboxTemplateV1alpha1Input;
export function buildSandboxTemplate(
  options: SandboxTemplateOptions,
): SandboxTemplateInput | SandboxTemplateV1alpha1Input;
export function buildSandboxTemplate(
  options: SandboxTemplateOptions,
): SandboxTemplateInput | SandboxTemplateV1alpha1Input {
  const version = versionOf(options.version, FN);
  const name = requireString(options.name, 'name', FN);
  if (version === 'v1alpha1' && options.volumeClaimTemplatesPolicy !== undefined) {
    throw new KubeInvalidArgumentError(
      `${FN}: volumeClaimTemplatesPolicy exists only in v1beta1; drop it or build a v1beta1 template`,
    );
  }
  const podMetadata = objectMeta({
    labels: options.podLabels,
    annotations: options.podAnnotations,
  });
  const spec: Record<string, unknown> = {
    podTemplate: {
      ...(Object.keys(podMetadata).length > 0 ? { metadata: podMetadata } : {}),
      spec: buildPodSpec(options, FN),
    },
  };
  if (options.volumeClaimTemplates !== undefined) {
    spec.volumeClaimTemplates = options.volumeClaimTemplates;
  }
  if (options.service !== undefined) spec.service = options.service;
  if (options.networkPolicy !== undefined) spec.networkPolicy = options.networkPolicy;
  if (options.networkPolicyManagement !== undefined) {
    spec.networkPolicyManagement = options.networkPolicyManagement;
  }
  if (options.envVarsInjectionPolicy !== undefined) {
    spec.envVarsInjectionPolicy = options.envVarsInjectionPolicy;
  }
  if (options.volumeClaimTemplatesPolicy !== undefined) {
    spec.volumeClaimTemplatesPolicy = options.volumeClaimTemplatesPolicy;
  }
  const template = {
    apiVersion: apiVersionOf('SandboxTemplate', version),
    kind: 'SandboxTemplate',
    metadata: objectMeta({
      name,
      namespace: options.namespace,
      labels: options.labels,
      annotations: options.annotations,
    }),
    spec,
  };
  return validated(SCHEMAS[version].SandboxTemplate, 'SandboxTemplate', name, template) as
    SandboxTemplateInput | SandboxTemplateV1alpha1Input;
}
