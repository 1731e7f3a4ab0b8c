/**
 * Building blocks shared by the agent-sandbox schemas. Every object is a `z.looseObject` so
 * fields added by newer controllers survive a parse. Embedded core-Kubernetes types (PodSpec,
 * PVC spec, NetworkPolicy rules) are checked only where Corral relies on them and are marked
 * `embedded`, which the CRD generator turns into `x-kubernetes-preserve-unknown-fields`.
 */
import { z } from 'zod';

/** Meta key the CRD generator reads: this subtree is a core-Kubernetes type, kept opaque. */
export const EMBEDDED_META_KEY = 'x-corral-embedded';

/** Marks a schema as an embedded core-Kubernetes type (see {@link EMBEDDED_META_KEY}). */
export function embedded<T extends z.ZodType>(schema: T, description: string): T {
  return schema.meta({ [EMBEDDED_META_KEY]: true, description });
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export const dnsSubdomainSchema = z.string().min(1).max(253).regex(DNS_SUBDOMAIN, {
  message:
    'must be a lowercase RFC 1123 subdomain: lowercase letters, digits, "-" and ".", starting and ending with a letter or digit',
});

export const dnsLabelSchema = z.string().min(1).max(63).regex(DNS_LABEL, {
  message:
    'must be a lowercase RFC 1123 label: lowercase letters, digits and "-", starting and ending with a letter or digit',
});

export const stringMapSchema = z.record(z.string(), z.string());

/** A `metav1.Time` / `format: date-time` string (RFC 3339, offset or `Z` required). */
export const dateTimeSchema = z.iso.datetime({ offset: true });

export const int32Schema = z.int32().meta({ format: 'int32' });
export const int64Schema = z.int().meta({ format: 'int64' });

/** ObjectMeta: loose; only the fields Corral reads are checked. */
export const objectMetaSchema = z
  .looseObject({
    name: dnsSubdomainSchema.optional(),
    generateName: z.string().max(253).optional(),
    namespace: dnsLabelSchema.optional(),
    labels: stringMapSchema.optional(),
    annotations: stringMapSchema.optional(),
    uid: z.string().optional(),
    resourceVersion: z.string().optional(),
    generation: z.int().optional(),
  })
  .superRefine((meta, ctx) => {
    if (meta.name === undefined && meta.generateName === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['name'],
        message: 'Required (set metadata.name or metadata.generateName)',
      });
    }
  });

/** `metav1.Condition`, as upstream declares it. */
export const conditionSchema = z.looseObject({
  type: z
    .string()
    .max(316)
    .regex(
      /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$/,
      { message: 'must be a qualified name such as Ready' },
    ),
  status: z.enum(['True', 'False', 'Unknown']),
  observedGeneration: int64Schema.min(0).optional(),
  lastTransitionTime: dateTimeSchema,
  reason: z
    .string()
    .min(1)
    .max(1024)
    .regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/, {
      message: 'must be a CamelCase reason such as DependenciesReady',
    }),
  message: z.string().max(32768),
});

export const conditionsSchema = z.array(conditionSchema);

/** Only labels and annotations of a pod template's metadata are used by the controller. */
export const podTemplateMetadataSchema = z.looseObject({
  labels: stringMapSchema.optional(),
  annotations: stringMapSchema.optional(),
});

export const containerSchema = z.looseObject({
  name: dnsLabelSchema,
  image: z.string().optional(),
});

/** core/v1 PodSpec: Corral relies on a non-empty `containers` list of named containers. */
export const podSpecSchema = embedded(
  z.looseObject({
    containers: z.array(containerSchema).min(1),
    initContainers: z.array(containerSchema).optional(),
  }),
  'core/v1 PodSpec of the sandbox pod.',
);

export const podTemplateSchema = z.looseObject({
  metadata: podTemplateMetadataSchema.optional(),
  spec: podSpecSchema,
});

/** core/v1 PersistentVolumeClaimSpec. */
export const pvcSpecSchema = embedded(
  z.looseObject({}),
  'core/v1 PersistentVolumeClaimSpec of the claim to create.',
);

export const volumeClaimTemplateSchema = z.looseObject({
  metadata: z
    .looseObject({
      name: dnsSubdomainSchema.optional(),
      labels: stringMapSchema.optional(),
      annotations: stringMapSchema.optional(),
    })
    .optional(),
  spec: pvcSpecSchema,
});

export const volumeClaimTemplatesSchema = z
  .array(volumeClaimTemplateSchema)
  .meta({ 'x-kubernetes-list-type': 'atomic' });

/** A `{name}` reference to an object in the same namespace. */
export const localRefSchema = z.looseObject({ name: z.string().min(1) });

/** Fields every kind has at the top level. */
export function typeMeta<const A extends string, const K extends string>(apiVersion: A, kind: K) {
  return {
    apiVersion: z.literal(apiVersion),
    kind: z.literal(kind),
    metadata: objectMetaSchema,
  };
}
