/**
 * `Sandbox` (agents.x-k8s.io): one pod, optionally a headless Service and PVCs.
 * Shapes follow upstream `api/v1beta1/sandbox_types.go` and the v1alpha1 / v0.1.0 CRDs.
 */
import { z } from 'zod';
import {
  conditionsSchema,
  dateTimeSchema,
  int32Schema,
  podTemplateSchema,
  typeMeta,
  volumeClaimTemplatesSchema,
} from './common.js';

export const SANDBOX_SHUTDOWN_POLICIES = ['Delete', 'Retain'] as const;
export const SANDBOX_OPERATING_MODES = ['Running', 'Suspended'] as const;

const blueprint = {
  podTemplate: podTemplateSchema,
  volumeClaimTemplates: volumeClaimTemplatesSchema.optional(),
  service: z
    .boolean()
    .optional()
    .meta({ description: 'true: create a headless Service; false: delete an owned one.' }),
};

const lifecycle = {
  shutdownTime: dateTimeSchema
    .optional()
    .meta({ description: 'Absolute expiry time; unset means the Sandbox never expires.' }),
  shutdownPolicy: z.enum(SANDBOX_SHUTDOWN_POLICIES).default('Retain'),
};

export const sandboxSpecSchema = z
  .looseObject({
    ...blueprint,
    ...lifecycle,
    operatingMode: z.enum(SANDBOX_OPERATING_MODES).default('Running'),
  })
  .meta({
    'x-kubernetes-validations': [
      {
        message: 'volumeClaimTemplates is immutable',
        rule: 'has(self.volumeClaimTemplates) == has(oldSelf.volumeClaimTemplates) && (!has(self.volumeClaimTemplates) || self.volumeClaimTemplates == oldSelf.volumeClaimTemplates)',
      },
    ],
  });

const sandboxStatusBase = {
  conditions: conditionsSchema.optional(),
  serviceFQDN: z.string().optional(),
  service: z.string().optional(),
  selector: z.string().optional(),
  podIPs: z.array(z.string()).optional(),
};

export const sandboxStatusSchema = z.looseObject({
  ...sandboxStatusBase,
  nodeName: z.string().optional(),
});

export const sandboxSchema = z.looseObject({
  ...typeMeta('agents.x-k8s.io/v1beta1', 'Sandbox'),
  spec: sandboxSpecSchema,
  status: sandboxStatusSchema.optional(),
});

export const sandboxSpecV1alpha1Schema = z.looseObject({
  ...blueprint,
  ...lifecycle,
  replicas: int32Schema.min(0).max(1).default(1),
});

export const sandboxStatusV1alpha1Schema = z.looseObject({
  ...sandboxStatusBase,
  replicas: int32Schema.min(0).optional(),
});

export const sandboxV1alpha1Schema = z.looseObject({
  ...typeMeta('agents.x-k8s.io/v1alpha1', 'Sandbox'),
  spec: sandboxSpecV1alpha1Schema,
  status: sandboxStatusV1alpha1Schema.optional(),
});

/** v0.1.0: no service/shutdownPolicy; a Service was always created; status.replicas required. */
export const sandboxSpecV0_1_0Schema = z.looseObject({
  podTemplate: podTemplateSchema,
  volumeClaimTemplates: z.array(volumeClaimTemplatesSchema.element).optional(),
  shutdownTime: dateTimeSchema.optional(),
  replicas: int32Schema.min(0).max(1).optional(),
});

export const sandboxStatusV0_1_0Schema = z.looseObject({
  conditions: conditionsSchema.optional(),
  serviceFQDN: z.string().optional(),
  service: z.string().optional(),
  selector: z.string().optional(),
  replicas: int32Schema,
});

export const sandboxV0_1_0Schema = z.looseObject({
  ...typeMeta('agents.x-k8s.io/v1alpha1', 'Sandbox'),
  spec: sandboxSpecV0_1_0Schema,
  status: sandboxStatusV0_1_0Schema.optional(),
});

export type Sandbox = z.output<typeof sandboxSchema>;
export type SandboxInput = z.input<typeof sandboxSchema>;
export type SandboxSpec = z.output<typeof sandboxSpecSchema>;
export type SandboxStatus = z.output<typeof sandboxStatusSchema>;
export type SandboxV1alpha1 = z.output<typeof sandboxV1alpha1Schema>;
export type SandboxV1alpha1Input = z.input<typeof sandboxV1alpha1Schema>;
export type SandboxSpecV1alpha1 = z.output<typeof sandboxSpecV1alpha1Schema>;
export type SandboxStatusV1alpha1 = z.output<typeof sandboxStatusV1alpha1Schema>;
export type SandboxV0_1_0 = z.output<typeof sandboxV0_1_0Schema>;
export type SandboxShutdownPolicy = (typeof SANDBOX_SHUTDOWN_POLICIES)[number];
export type SandboxOperatingMode = (typeof SANDBOX_OPERATING_MODES)[number];
