import { ApisApi, type KubeConfig } from '@kubernetes/client-node';
import { callOptions } from '../client/request-options.js';
import { NotInstalledError } from '../errors/config-errors.js';
import { translateError } from '../errors/from-api-exception.js';
import { API_VERSIONS, CORE_GROUP, EXTENSIONS_GROUP, type ApiVersionName } from '../resources.js';

export interface GroupVersions {
  /** Versions of this package's choice (v1beta1, v1alpha1) the group serves, newest first. */
  served: ApiVersionName[];
  /** Every version the server lists for the group. */
  all: string[];
  /** The server's preferred version of the group. */
  serverPreferred: string | undefined;
}

export interface ServedVersions {
  /** Keyed by API group (`agents.x-k8s.io`, `extensions.agents.x-k8s.io`). */
  groups: Record<string, GroupVersions>;
}

/** Reads `/apis` once and reports which agent-sandbox versions each group serves. */
export async function discoverServedVersions(
  kubeConfig: KubeConfig,
  options: { signal?: AbortSignal } = {},
): Promise<ServedVersions> {
  const api = kubeConfig.makeApiClient(ApisApi);
  let list;
  try {
    list = await api.getAPIVersions({}, callOptions(options.signal));
  } catch (e) {
    throw translateError(e, options.signal);
  }
  const groups: Record<string, GroupVersions> = {};
  for (const name of [CORE_GROUP, EXTENSIONS_GROUP]) {
    const group = list.groups.find((g) => g.name === name);
    const all = group?.versions.map((v) => v.version) ?? [];
    groups[name] = {
      served: API_VERSIONS.filter((v) => all.includes(v)),
      all,
      serverPreferred: group?.preferredVersion?.version,
    };
  }
  return { groups };
}

/** The version to speak for `group`: v1beta1 when served, v1alpha1 otherwise. */
export function chooseVersion(served: ServedVersions, group: string): ApiVersionName {
  const info = served.groups[group];
  const version = info?.served[0];
  if (version === undefined) throw new NotInstalledError(group, info?.all ?? []);
  return version;
}
