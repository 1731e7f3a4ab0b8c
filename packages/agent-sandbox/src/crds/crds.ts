/**
 * CustomResourceDefinition manifests for the four kinds, derived from our Zod schemas. Plain
 * objects (no YAML dependency); `scripts/generate-crds.ts` writes them under `crds/<profile>/`.
 */
import type { z } from 'zod';
import { RESOURCES } from '../resources.js';
import type { ApiVersionName, SandboxKind } from '../resources.js';
import { SCHEMAS, V0_1_0_SCHEMAS } from '../schemas/registry.js';
import { openApiSchemaOf } from './openapi.js';
import type { JsonSchemaProps } from './openapi.js';

/**
 * Which versions a set of CRDs serves: `v1beta1+v1alpha1` (like upstream v0.5.x: beta stored,
 * alpha served and deprecated), `v1alpha1` (like v0.4.x) or `v1beta1` (like v1.0).
 */
export const CRD_PROFILES = ['v1beta1+v1alpha1', 'v1alpha1', 'v1beta1', 'v0.1.0'] as const;
export type CrdProfile = (typeof CRD_PROFILES)[number];

const PROFILE_VERSIONS: Readonly<Record<CrdProfile, readonly ApiVersionName[]>> = {
  'v1beta1+v1alpha1': ['v1beta1', 'v1alpha1'],
  v1alpha1: ['v1alpha1'],
  v1beta1: ['v1beta1'],
  // The first release: the alpha API in its original shapes (claim `sandboxTemplateRef` only).
  'v0.1.0': ['v1alpha1'],
};

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'date';
  jsonPath: string;
}

const READY: PrinterColumn = {
  name: 'Ready',
  type: 'string',
  jsonPath: ".status.conditions[?(@.type=='Ready')].status",
};
const REASON: PrinterColumn = {
  name: 'Reason',
  type: 'string',
  jsonPath: ".status.conditions[?(@.type=='Ready')].reason",
};
const AGE: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

const PRINTER_COLUMNS: Readonly<Record<SandboxKind, Record<ApiVersionName, PrinterColumn[]>>> = {
  Sandbox: { v1beta1: [READY, REASON, AGE], v1alpha1: [] },
  SandboxTemplate: { v1beta1: [], v1alpha1: [] },
  SandboxClaim: {
    v1beta1: [
      READY,
      { name: 'Sandbox', type: 'string', jsonPath: '.status.sandbox.name' },
      REASON,
      AGE,
    ],
    v1alpha1: [],
  },
  SandboxWarmPool: {
    v1beta1: [
      { name: 'Ready', type: 'integer', jsonPath: '.status.readyReplicas' },
      { name: 'Desired', type: 'integer', jsonPath: '.spec.replicas' },
      AGE,
    ],
    v1alpha1: [
      { name: 'Ready', type: 'integer', jsonPath: '.status.readyReplicas' },
      { name: 'Desired', type: 'integer', jsonPath: '.spec.replicas' },
      AGE,
    ],
  },
};

export interface CrdVersion {
  name: ApiVersionName;
  served: boolean;
  storage: boolean;
  deprecated?: boolean;
  deprecationWarning?: string;
  additionalPrinterColumns?: PrinterColumn[];
  schema: { openAPIV3Schema: JsonSchemaProps };
  subresources?: {
    status?: Record<string, never>;
    scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath: string };
  };
}

/** An `apiextensions.k8s.io/v1` CustomResourceDefinition as plain data. */
export interface CustomResourceDefinitionManifest {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    group: string;
    names: {
      kind: SandboxKind;
      listKind: string;
      plural: string;
      singular: string;
      shortNames: string[];
    };
    scope: 'Namespaced';
    versions: CrdVersion[];
  };
}

const schemaCache = new Map<z.ZodType, JsonSchemaProps>();

function cachedOpenApi(schema: z.ZodType): JsonSchemaProps {
  let out = schemaCache.get(schema);
  if (out === undefined) {
    out = openApiSchemaOf(schema);
    schemaCache.set(schema, out);
  }
  // Callers may mutate what they get; hand out copies.
  return structuredClone(out);
}

function crdVersion(kind: SandboxKind, version: ApiVersionName, profile: CrdProfile): CrdVersion {
  const { group } = RESOURCES[kind];
  const versions = PROFILE_VERSIONS[profile];
  const out: CrdVersion = {
    name: version,
    served: true,
    storage: version === versions[0],
    schema: {
      openAPIV3Schema: cachedOpenApi(
        profile === 'v0.1.0' ? V0_1_0_SCHEMAS.v1alpha1[kind] : SCHEMAS[version][kind],
      ),
    },
  };
  if (version === 'v1alpha1' && versions.includes('v1beta1')) {
    out.deprecated = true;
    out.deprecationWarning = `${group}/v1alpha1 ${kind} is deprecated; use ${group}/v1beta1 ${kind} instead`;
  }
  const columns = profile === 'v0.1.0' ? [] : PRINTER_COLUMNS[kind][version];
  if (columns.length > 0) out.additionalPrinterColumns = columns.map((c) => ({ ...c }));
  const sub = RESOURCES[kind].subresources[version];
  if (sub.length > 0) {
    out.subresources = {};
    if (sub.includes('status')) out.subresources.status = {};
    if (sub.includes('scale')) {
      out.subresources.scale = {
        specReplicasPath: '.spec.replicas',
        statusReplicasPath: '.status.replicas',
        labelSelectorPath: '.status.selector',
      };
    }
  }
  return out;
}

/** The CRD of one kind for a profile. */
export function agentSandboxCrd(
  kind: SandboxKind,
  profile: CrdProfile,
): CustomResourceDefinitionManifest {
  if (!CRD_PROFILES.includes(profile)) {
    throw new TypeError(
      `unknown CRD profile ${JSON.stringify(profile)}; use one of ${CRD_PROFILES.join(', ')}`,
    );
  }
  const r = RESOURCES[kind];
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${r.plural}.${r.group}`,
      labels: {
        'app.kubernetes.io/part-of': 'corral',
        'app.kubernetes.io/component': 'agent-sandbox-crds',
      },
    },
    spec: {
      group: r.group,
      names: {
        kind,
        listKind: `${kind}List`,
        plural: r.plural,
        singular: r.singular,
        shortNames: [...RESOURCES[kind].shortNames],
      },
      scope: 'Namespaced',
      versions: PROFILE_VERSIONS[profile].map((v) => crdVersion(kind, v, profile)),
    },
  };
}

/** The four CRDs (Sandbox, SandboxTemplate, SandboxClaim, SandboxWarmPool) for a profile. */
export function agentSandboxCrds(profile: CrdProfile): CustomResourceDefinitionManifest[] {
  return (Object.keys(RESOURCES) as SandboxKind[]).map((kind) => agentSandboxCrd(kind, profile));
}
