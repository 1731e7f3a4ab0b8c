/** The built-in kinds Corral touches, served without CRD schemas. */
import { compact } from '@corral/sdk';
import { withApiVersion } from '../conversion/generic.js';
import type { ResourceType } from './types.js';
import { RBAC_BUILTINS } from './rbac-builtins.js';
import { WORKLOAD_BUILTINS } from './workload-builtins.js';

interface BuiltinSpec {
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

const SPECS: BuiltinSpec[] = [
  {
    group: '',
    version: 'v1',
    kind: 'Namespace',
    plural: 'namespaces',
    namespaced: false,
    status: true,
    shortNames: ['ns'],
    fieldSelectors: ['metadata.name', 'status.phase'],
  },
  {
    group: '',
    version: 'v1',
    kind: 'Pod',
    plural: 'pods',
    namespaced: true,
    status: true,
    shortNames: ['po'],
    fieldSelectors: [
      ...META_FIELDS,
      'spec.nodeName',
      'spec.restartPolicy',
      'spec.schedulerName',
      'spec.serviceAccountName',
      'spec.hostNetwork',
      'status.phase',
      'status.podIP',
      'status.nominatedNodeName',
    ],
  },
  {
    group: '',
    version: 'v1',
    kind: 'Service',
    plural: 'services',
    namespaced: true,
    status: true,
    shortNames: ['svc'],
    fieldSelectors: [...META_FIELDS, 'spec.clusterIP', 'spec.type'],
  },
  {
    group: '',
    version: 'v1',
    kind: 'Event',
    plural: 'events',
    namespaced: true,
    shortNames: ['ev'],
    fieldSelectors: [
      ...META_FIELDS,
      'involvedObject.kind',
      'involvedObject.namespace',
      'involvedObject.name',
      'involvedObject.uid',
      'involvedObject.apiVersion',
      'involvedObject.resourceVersion',
      'involvedObject.fieldPath',
      'reason',
      'reportingComponent',
      'source',
      'type',
    ],
  },
  {
    group: '',
    version: 'v1',
    kind: 'Secret',
    plural: 'secrets',
    namespaced: true,
    fieldSelectors: [...META_FIELDS, 'type'],
  },
  {
    group: '',
    version: 'v1',
    kind: 'ConfigMap',
    plural: 'configmaps',
    namespaced: true,
    shortNames: ['cm'],
    fieldSelectors: META_FIELDS,
  },
  {
    group: '',
    version: 'v1',
    kind: 'PersistentVolumeClaim',
    plural: 'persistentvolumeclaims',
    namespaced: true,
    status: true,
    shortNames: ['pvc'],
    fieldSelectors: META_FIELDS,
  },
  {
    group: '',
    version: 'v1',
    kind: 'ServiceAccount',
    plural: 'serviceaccounts',
    namespaced: true,
    shortNames: ['sa'],
    fieldSelectors: META_FIELDS,
  },
  {
    group: 'networking.k8s.io',
    version: 'v1',
    kind: 'NetworkPolicy',
    plural: 'networkpolicies',
    namespaced: true,
    shortNames: ['netpol'],
    fieldSelectors: META_FIELDS,
  },
  {
    // a CRD on real clusters (Gateway API); served schemaless here for the Gateway connection mode
    group: 'gateway.networking.k8s.io',
    version: 'v1',
    kind: 'Gateway',
    plural: 'gateways',
    namespaced: true,
    status: true,
    shortNames: ['gtw'],
    fieldSelectors: META_FIELDS,
  },
  ...WORKLOAD_BUILTINS,
  ...RBAC_BUILTINS,
];

export function builtinResources(): ResourceType[] {
  return SPECS.map((s) => ({
    group: s.group,
    kind: s.kind,
    listKind: `${s.kind}List`,
    plural: s.plural,
    singular: s.kind.toLowerCase(),
    shortNames: s.shortNames ?? [],
    categories: s.group === '' && s.kind !== 'Namespace' && s.kind !== 'Event' ? ['all'] : [],
    namespaced: s.namespaced,
    versions: [
      {
        name: s.version,
        served: true,
        storage: true,
        deprecated: false,
        status: s.status === true,
        printerColumns: [],
      },
    ],
    storageVersion: s.version,
    builtin: true,
    ...compact({ fieldSelectors: s.fieldSelectors }),
    convert: (object, toVersion) => withApiVersion(s.group, object, toVersion),
  }));
}
