/** `SandboxWarmPool` (extensions.agents.x-k8s.io): pre-started, unclaimed Sandboxes of a template. */
import { z } from 'zod';
import { int32Schema, int64Schema, localRefSchema, typeMeta } from './common.js';

export const WARM_POOL_UPDATE_STRATEGIES = ['Recreate', 'OnReplenish'] as const;

const updateStrategy = z.looseObject({
  type: z.enum(WARM_POOL_UPDATE_STRATEGIES).default('OnReplenish'),
});

export const sandboxWarmPoolSpecSchema = z.looseObject({
  replicas: int32Schema
    .min(0)
    .default(1)
    .meta({ description: 'Desired unclaimed sandboxes; 0 makes a cold-start-only pool.' }),
  sandboxTemplateRef: localRefSchema,
  updateStrategy: updateStrategy.optional(),
});

const warmPoolStatusBase = {
  replicas: int32Schema.optional(),
  readyReplicas: int32Schema.optional(),
  selector: z.string().optional(),
};

export const sandboxWarmPoolStatusSchema = z.looseObject({
  ...warmPoolStatusBase,
  observedGeneration: int64Schema.min(0).optional(),
});

export const sandboxWarmPoolSchema = z.looseObject({
  ...typeMeta('extensions.agents.x-k8s.io/v1beta1', 'SandboxWarmPool'),
  spec: sandboxWarmPoolSpecSchema,
  status: sandboxWarmPoolStatusSchema.optional(),
});

export const sandboxWarmPoolSpecV1alpha1Schema = z.looseObject({
  replicas: int32Schema.min(0),
  sandboxTemplateRef: localRefSchema,
  updateStrategy: updateStrategy.optional(),
});

export const sandboxWarmPoolStatusV1alpha1Schema = z.looseObject(warmPoolStatusBase);

export const sandboxWarmPoolV1alpha1Schema = z.looseObject({
  ...typeMeta('extensions.agents.x-k8s.io/v1alpha1', 'SandboxWarmPool'),
  spec: sandboxWarmPoolSpecV1alpha1Schema,
  status: sandboxWarmPoolStatusV1alpha1Schema.optional(),
});

export const sandboxWarmPoolSpecV0_1_0Schema = z.looseObject({
  replicas: int32Schema.min(0),
  sandboxTemplateRef: localRefSchema,
});

export const sandboxWarmPoolV0_1_0Schema = z.looseObject({
  ...typeMeta('extensions.agents.x-k8s.io/v1alpha1', 'SandboxWarmPool'),
  spec: sandboxWarmPoolSpecV0_1_0Schema,
  status: z.looseObject({ replicas: int32Schema.optional() }).optional(),
});

export type SandboxWarmPool = z.output<typeof sandboxWarmPoolSchema>;
export type SandboxWarmPoolInput = z.input<typeof sandboxWarmPoolSchema>;
export type SandboxWarmPoolSpec = z.output<typeof sandboxWarmPoolSpecSchema>;
export type SandboxWarmPoolStatus = z.output<typeof sandboxWarmPoolStatusSchema>;
export type SandboxWarmPoolV1alpha1 = z.output<typeof sandboxWarmPoolV1alpha1Schema>;
export type SandboxWarmPoolV1alpha1Input = z.input<typeof sandboxWarmPoolV1alpha1Schema>;
export type SandboxWarmPoolSpecV1alpha1 = z.output<typeof sandboxWarmPoolSpecV1alpha1Schema>;
export type SandboxWarmPoolStatusV1alpha1 = z.output<typeof sandboxWarmPoolStatusV1alpha1Schema>;
export type SandboxWarmPoolV0_1_0 = z.output<typeof sandboxWarmPoolV0_1_0Schema>;
export type WarmPoolUpdateStrategy = (typeof WARM_POOL_UPDATE_STRATEGIES)[number];
