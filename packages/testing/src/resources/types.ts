/** What the fake API server knows about each resource it serves. */
import type { JsonSchemaProps } from '../schema/types.js';
import type { KubeObject } from '../store/types.js';

export interface ScaleSubresource {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  format?: string;
  priority?: number;
}

export interface ServedVersion {
  name: string;
  served: boolean;
  storage: boolean;
  deprecated: boolean;
  /** The `Warning` header text sent with every request to this version, when deprecated. */
  deprecationWarning?: string;
  /** `openAPIV3Schema`; absent for built-in kinds, which get minimal validation. */
  schema?: JsonSchemaProps;
  status: boolean;
  scale?: ScaleSubresource;
  printerColumns: PrinterColumn[];
}

/** Converts an object (any served version) to `apiVersion` `<group>/<toVersion>`. */
export type Converter = (object: KubeObject, toVersion: string) => KubeObject;

export interface ResourceType {
  group: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  categories: string[];
  namespaced: boolean;
  versions: ServedVersion[];
  storageVersion: string;
  /** Built-in (core/networking) kinds, as opposed to CRD-defined ones. */
  builtin: boolean;
  /** Field paths usable in `fieldSelector`; `undefined` means any dotted path. */
  fieldSelectors?: string[];
  /** Whether the resource lives in the `/api/v1` core group (for discovery and messages). */
  convert: Converter;
}

/** A CustomResourceDefinition (apiextensions.k8s.io/v1), as loaded from YAML. */
export interface CrdObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; [k: string]: unknown };
  spec: {
    group: string;
    names: {
      kind: string;
      listKind?: string;
      plural: string;
      singular?: string;
      shortNames?: string[];
      categories?: string[];
    };
    scope: 'Namespaced' | 'Cluster';
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      deprecated?: boolean;
      deprecationWarning?: string;
      schema?: { openAPIV3Schema?: JsonSchemaProps };
      subresources?: { status?: object; scale?: ScaleSubresource };
      additionalPrinterColumns?: PrinterColumn[];
      selectableFields?: { jsonPath: string }[];
    }[];
    conversion?: { strategy?: string };
  };
}
