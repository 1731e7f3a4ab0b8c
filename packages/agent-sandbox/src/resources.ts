/**
 * The four agent-sandbox kinds, and where each lives on the API server.
 * Everything that builds a URL, a watch path or an apiVersion reads it from here.
 */

export const CORE_GROUP = 'agents.x-k8s.io';
export const EXTENSIONS_GROUP = 'extensions.agents.x-k8s.io';

export const API_VERSIONS = ['v1beta1', 'v1alpha1'] as const;
export type ApiVersionName = (typeof API_VERSIONS)[number];

export type SandboxKind = 'Sandbox' | 'SandboxTemplate' | 'SandboxClaim' | 'SandboxWarmPool';

export interface ResourceDescriptor {
  readonly kind: SandboxKind;
  readonly group: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly namespaced: true;
  /** Subresources served per version (v1beta1 Sandbox dropped /scale). */
  readonly subresources: Readonly<Record<ApiVersionName, readonly ('status' | 'scale')[]>>;
}

export const RESOURCES: Readonly<Record<SandboxKind, ResourceDescriptor>> = {
  Sandbox: {
    kind: 'Sandbox',
    group: CORE_GROUP,
    plural: 'sandboxes',
    singular: 'sandbox',
    shortNames: ['sandbox'],
    namespaced: true,
    subresources: { v1beta1: ['status'], v1alpha1: ['status', 'scale'] },
  },
  SandboxTemplate: {
    kind: 'SandboxTemplate',
    group: EXTENSIONS_GROUP,
    plural: 'sandboxtemplates',
    singular: 'sandboxtemplate',
    shortNames: ['sandboxtemplate'],
    namespaced: true,
    subresources: { v1beta1: [], v1alpha1: [] },
  },
  SandboxClaim: {
    kind: 'SandboxClaim',
    group: EXTENSIONS_GROUP,
    plural: 'sandboxclaims',
    singular: 'sandboxclaim',
    shortNames: ['sandboxclaim'],
    namespaced: true,
    subresources: { v1beta1: ['status'], v1alpha1: ['status'] },
  },
  SandboxWarmPool: {
    kind: 'SandboxWarmPool',
    group: EXTENSIONS_GROUP,
    plural: 'sandboxwarmpools',
    singular: 'sandboxwarmpool',
    shortNames: ['swp'],
    namespaced: true,
    subresources: { v1beta1: ['status', 'scale'], v1alpha1: ['status', 'scale'] },
  },
};

export function apiVersionOf(kind: SandboxKind, version: ApiVersionName): string {
  return `${RESOURCES[kind].group}/${version}`;
}
