/** `SandboxTemplate` (extensions.agents.x-k8s.io): the blueprint pools and claims start from. */
import { z } from 'zod';
import { embedded, podTemplateSchema, typeMeta, volumeClaimTemplatesSchema } from './common.js';

export const NETWORK_POLICY_MANAGEMENT = ['Managed', 'Unmanaged'] as const;
export const ENV_VARS_INJECTION_POLICIES = ['Allowed', 'Overrides', 'Disallowed'] as const;
export const VOLUME_CLAIM_TEMPLATES_POLICIES = ['Disallowed', 'Allowed', 'Overrides'] as const;

const ingressRule = embedded(z.looseObject({}), 'networking/v1 NetworkPolicyIngressRule.');
const egressRule = embedded(z.looseObject({}), 'networking/v1 NetworkPolicyEgressRule.');

/** A NetworkPolicySpec without podSelector/policyTypes (the controller sets both). */
export const sandboxNetworkPolicySchema = z.looseObject({
  ingress: z.array(ingressRule).optional(),
  egress: z.array(egressRule).optional(),
});

const templateSpecV1alpha1 = {
  podTemplate: podTemplateSchema,
  volumeClaimTemplates: volumeClaimTemplatesSchema.optional(),
  service: z.boolean().optional(),
  networkPolicy: sandboxNetworkPolicySchema.optional(),
  networkPolicyManagement: z.enum(NETWORK_POLICY_MANAGEMENT).default('Managed'),
  envVarsInjectionPolicy: z.enum(ENV_VARS_INJECTION_POLICIES).default('Disallowed'),
};

export const sandboxTemplateSpecSchema = z.looseObject({
  ...templateSpecV1alpha1,
  volumeClaimTemplatesPolicy: z.enum(VOLUME_CLAIM_TEMPLATES_POLICIES).default('Disallowed'),
});

export const sandboxTemplateSchema = z.looseObject({
  ...typeMeta('extensions.agents.x-k8s.io/v1beta1', 'SandboxTemplate'),
  spec: sandboxTemplateSpecSchema,
});

export const sandboxTemplateSpecV1alpha1Schema = z.looseObject(templateSpecV1alpha1);

export const sandboxTemplateV1alpha1Schema = z.looseObject({
  ...typeMeta('extensions.agents.x-k8s.io/v1alpha1', 'SandboxTemplate'),
  spec: sandboxTemplateSpecV1alpha1Schema,
});

export const sandboxTemplateSpecV0_1_0Schema = z.looseObject({ podTemplate: podTemplateSchema });

export const sandboxTemplateV0_1_0Schema = z.looseObject({
  ...typeMeta('extensions.agents.x-k8s.io/v1alpha1', 'SandboxTemplate'),
  spec: sandboxTemplateSpecV0_1_0Schema,
  status: z.looseObject({}).optional(),
});

export type SandboxTemplate = z.output<typeof sandboxTemplateSchema>;
export type SandboxTemplateInput = z.input<typeof sandboxTemplateSchema>;
export type SandboxTemplateSpec = z.output<typeof sandboxTemplateSpecSchema>;
export type SandboxNetworkPolicy = z.output<typeof sandboxNetworkPolicySchema>;
export type SandboxTemplateV1alpha1 = z.output<typeof sandboxTemplateV1alpha1Schema>;
export type SandboxTemplateV1alpha1Input = z.input<typeof sandboxTemplateV1alpha1Schema>;
export type SandboxTemplateSpecV1alpha1 = z.output<typeof sandboxTemplateSpecV1alpha1Schema>;
export type SandboxTemplateV0_1_0 = z.output<typeof sandboxTemplateV0_1_0Schema>;
export type NetworkPolicyManagement = (typeof NETWORK_POLICY_MANAGEMENT)[number];
export type EnvVarsInjectionPolicy = (typeof ENV_VARS_INJECTION_POLICIES)[number];
export type VolumeClaimTemplatesPolicy = (typeof VOLUME_CLAIM_TEMPLATES_POLICIES)[number];
