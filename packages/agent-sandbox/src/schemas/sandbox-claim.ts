/** `SandboxClaim` (extensions.agents.x-k8s.io): a request for one sandbox. */
import { z } from 'zod';
import {
  conditionsSchema,
  dateTimeSchema,
  int32Schema,
  localRefSchema,
  stringMapSchema,
  typeMeta,
  volumeClaimTemplatesSchema,
} from './common.js';

export const CLAIM_SHUTDOWN_POLICIES = ['Delete', 'DeleteForeground', 'Retain'] as const;

export const claimLifecycleSchema = z.looseObject({
  shutdownTime: dateTimeSchema.optional(),
  ttlSecondsAfterFinished: int32Schema.min(0).optional(),
  shutdownPolicy: z.enum(CLAIM_SHUTDOWN_POLICIES).default('Retain'),
});

export const claimEnvVarSchema = z.looseObject({
  name: z.string().min(1),
  value: z.string(),
  containerName: z.string().optional(),
});

export const podMetadataSchema = z.looseObject({
  labels: stringMapSchema.optional(),
  annotations: stringMapSchema.optional(),
});

const claimSpecCommon = {
  lifecycle: claimLifecycleSchema.optional(),
  additionalPodMetadata: podMetadataSchema.optional(),
  env: z.array(claimEnvVarSchema).meta({ 'x-kubernetes-list-type': 'atomic' }).optional(),
};

export const sandboxClaimSpecSchema = z.looseObject({
  warmPoolRef: localRefSchema,
  ...claimSpecCommon,
  volumeClaimTemplates: volumeClaimTemplatesSchema.optional(),
});

export const sandboxClaimStatusSchema = z.looseObject({
  conditions: conditionsSchema.optional(),
  sandbox: z
    .looseObject({ name: z.string().optional(), podIPs: z.array(z.string()).optional() })
    .optional(),
});

export const sandboxClaimSchema = z.looseObject({
  ...typeMeta('extensions.agents.x-k8s.io/v1beta1', 'SandboxClaim'),
  spec: sandboxClaimSpecSchema,
  status: sandboxClaimStatusSchema.optional(),
});

export const sandboxClaimSpecV1alpha1Schema = z.looseObject({
  sandboxTemplateRef: localRefSchema,
  warmpool: z.string().default('default').meta({
    description: '"none": always cold; "default": any pool of the template; else a pool name.',
  }),
  ...claimSpecCommon,
});

export const sandboxClaimStatusV1alpha1Schema = sandboxClaimStatusSchema;

export const sandboxClaimV1alpha1Schema = z.looseObject({
  ...typeMeta('extensions.agents.x-k8s.io/v1alpha1', 'SandboxClaim'),
  spec: sandboxClaimSpecV1alpha1Schema,
  status: sandboxClaimStatusV1alpha1Schema.optional(),
});

export const sandboxClaimSpecV0_1_0Schema = z.looseObject({ sandboxTemplateRef: localRefSchema });

/** v0.1.0 wrote the bound Sandbox as `status.sandbox.Name` (capital N). */
export const sandboxClaimStatusV0_1_0Schema = z.looseObject({
  conditions: conditionsSchema.optional(),
  sandbox: z.looseObject({ Name: z.string().optional() }).optional(),
});

export const sandboxClaimV0_1_0Schema = z.looseObject({
  ...typeMeta('extensions.agents.x-k8s.io/v1alpha1', 'SandboxClaim'),
  spec: sandboxClaimSpecV0_1_0Schema,
  status: sandboxClaimStatusV0_1_0Schema.optional(),
});

export type SandboxClaim = z.output<typeof sandboxClaimSchema>;
export type SandboxClaimInput = z.input<typeof sandboxClaimSchema>;
export type SandboxClaimSpec = z.output<typeof sandboxClaimSpecSchema>;
export type SandboxClaimStatus = z.output<typeof sandboxClaimStatusSchema>;
export type SandboxClaimLifecycle = z.output<typeof claimLifecycleSchema>;
export type SandboxClaimEnvVar = z.output<typeof claimEnvVarSchema>;
export type SandboxClaimV1alpha1 = z.output<typeof sandboxClaimV1alpha1Schema>;
export type SandboxClaimV1alpha1Input = z.input<typeof sandboxClaimV1alpha1Schema>;
export type SandboxClaimSpecV1alpha1 = z.output<typeof sandboxClaimSpecV1alpha1Schema>;
export type SandboxClaimStatusV1alpha1 = z.output<typeof sandboxClaimStatusV1alpha1Schema>;
export type SandboxClaimV0_1_0 = z.output<typeof sandboxClaimV0_1_0Schema>;
export type ClaimShutdownPolicy = (typeof CLAIM_SHUTDOWN_POLICIES)[number];
