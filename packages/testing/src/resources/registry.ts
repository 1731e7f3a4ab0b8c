/** Looks up served resources by group/version/plural, kind, or short name. */
import { convertAgentSandbox, isAgentSandboxKind } from '../conversion/agent-sandbox.js';
import { withApiVersion } from '../conversion/generic.js';
import { StatusError } from '../store/status-error.js';
import type { GroupVersionResource } from '../store/types.js';
import { builtinResources } from './builtin.js';
import type { CrdObject, ResourceType, ServedVersion } from './types.js';

export interface ResolvedResource {
  type: ResourceType;
  version: ServedVersion;
}

export interface ResourceRegistry {
  all(): readonly ResourceType[];
  /** Throws 404 NotFound (as the apiserver does for unknown paths) when not served. */
  resolve(gvr: GroupVersionResource): ResolvedResource;
  find(gvr: GroupVersionResource): ResolvedResource | undefined;
  byKind(group: string, kind: string): ResourceType | undefined;
  /** Group names with their served versions, preferred (storage) version first. */
  groups(): { name: string; versions: string[]; preferred: string }[];
}

export function resourceFromCrd(crd: CrdObject): ResourceType {
  const { group, names, scope } = crd.spec;
  const versions: ServedVersion[] = crd.spec.versions.map((v) => {
    const served: ServedVersion = {
      name: v.name,
      served: v.served,
      storage: v.storage,
      deprecated: v.deprecated === true,
      status: v.subresources?.status !== undefined,
      printerColumns: v.additionalPrinterColumns ?? [],
    };
    if (v.deprecated === true) {
      served.deprecationWarning =
        v.deprecationWarning ?? `${group}/${v.name} ${names.kind} is deprecated`;
    }
    if (v.schema?.openAPIV3Schema) served.schema = v.schema.openAPIV3Schema;
    if (v.subresources?.scale) served.scale = v.subresources.scale;
    return served;
  });
  const storage = versions.find((v) => v.storage) ?? versions[0];
  if (storage === undefined)
    throw new Error(`CRD ${crd.metadata?.name ?? names.plural} has no versions`);
  const selectable = crd.spec.versions.flatMap((v) =>
    (v.selectableFields ?? []).map((f) => f.jsonPath.replace(/^\./, '')),
  );
  return {
    group,
    kind: names.kind,
    listKind: names.listKind ?? `${names.kind}List`,
    plural: names.plural,
    singular: names.singular ?? names.kind.toLowerCase(),
    shortNames: names.shortNames ?? [],
    categories: names.categories ?? [],
    namespaced: scope === 'Namespaced',
    versions,
    storageVersion: storage.name,
    builtin: false,
    fieldSelectors: ['metadata.name', 'metadata.namespace', ...selectable],
    convert: isAgentSandboxKind(group, names.kind)
      ? convertAgentSandbox
      : (object, toVersion) => withApiVersion(group, object, toVersion),
  };
}

function notServed(gvr: GroupVersionResource): StatusError {
  return new StatusError(404, 'NotFound', 'the server could not find the requested resource', {
    ...(gvr.group ? { group: gvr.group } : {}),
    kind: gvr.resource,
  });
}

export function createResourceRegistry(crds: readonly CrdObject[]): ResourceRegistry {
  const types = [...builtinResources(), ...crds.map(resourceFromCrd)];
  const byPlural = new Map<string, ResourceType>();
  for (const t of types) byPlural.set(`${t.group}/${t.plural}`, t);
  const find = (gvr: GroupVersionResource): ResolvedResource | undefined => {
    const type = byPlural.get(`${gvr.group}/${gvr.resource}`);
    const version = type?.versions.find((v) => v.name === gvr.version && v.served);
    return type && version ? { type, version } : undefined;
  };
  return {
    all: () => types,
    find,
    resolve(gvr) {
      const found = find(gvr);
      if (found === undefined) throw notServed(gvr);
      return found;
    },
    byKind: (group, kind) => types.find((t) => t.group === group && t.kind === kind),
    groups() {
      const groups = new Map<string, { name: string; versions: string[]; preferred: string }>();
      for (const t of types) {
        let g = groups.get(t.group);
        if (g === undefined) {
          g = { name: t.group, versions: [], preferred: t.storageVersion };
          groups.set(t.group, g);
        }
        for (const v of t.versions)
          if (v.served && !g.versions.includes(v.name)) g.versions.push(v.name);
      }
      for (const g of groups.values()) {
        g.versions.sort((a, b) => (a === g.preferred ? -1 : b === g.preferred ? 1 : 0));
      }
      return [...groups.values()];
    },
  };
}
