/**
 * Built-in kinds `corral doctor` reads: the agent-sandbox controller's Deployment or StatefulSet
 * (to see that it runs and with which flags) and RuntimeClasses. Served like the other built-ins:
 * stored as given, no schema, no controllers acting on them (a test writes `status` itself).
 */

/** Same shape as builtin.ts's spec entries. */
export interface WorkloadBuiltinSpec {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  status?: boolean;
  shortNames?: string[];
  fieldSelectors?: string[];
}

const META_FIELDS = ['metadata.name', 'metadata.namespace'];

export const WORKLOAD_BUILTINS: readonly WorkloadBuiltinSpec[] = [
  {
    group: 'apps',
    version: 'v1',
    kind: 'Deployment',
    plural: 'deployments',
    namespaced: true,
    status: true,
    shortNames: ['deploy'],
    fieldSelectors: META_FIELDS,
  },
  {
    group: 'apps',
    version: 'v1',
    kind: 'StatefulSet',
    plural: 'statefulsets',
    namespaced: true,
    status: true,
    shortNames: ['sts'],
    fieldSelectors: META_FIELDS,
  },
  {
    group: 'node.k8s.io',
    version: 'v1',
    kind: 'RuntimeClass',
    plural: 'runtimeclasses',
    namespaced: false,
    fieldSelectors: ['metadata.name'],
  },
];
