/**
 * RBAC kinds, so `kubectl apply -k deploy/v1beta1` works against the fake as it does on a cluster
 * (the set includes the orchestrator's ServiceAccount, Role and RoleBinding). Stored as given:
 * the fake authorizes by bearer token only, so these grant nothing here.
 */
import type { WorkloadBuiltinSpec } from './workload-builtins.js';

const META_FIELDS = ['metadata.name', 'metadata.namespace'];
const GROUP = 'rbac.authorization.k8s.io';

export const RBAC_BUILTINS: readonly WorkloadBuiltinSpec[] = [
  {
    group: GROUP,
    version: 'v1',
    kind: 'Role',
    plural: 'roles',
    namespaced: true,
    fieldSelectors: META_FIELDS,
  },
  {
    group: GROUP,
    version: 'v1',
    kind: 'RoleBinding',
    plural: 'rolebindings',
    namespaced: true,
    fieldSelectors: META_FIELDS,
  },
  {
    group: GROUP,
    version: 'v1',
    kind: 'ClusterRole',
    plural: 'clusterroles',
    namespaced: false,
    fieldSelectors: ['metadata.name'],
  },
  {
    group: GROUP,
    version: 'v1',
    kind: 'ClusterRoleBinding',
    plural: 'clusterrolebindings',
    namespaced: false,
    fieldSelectors: ['metadata.name'],
  },
  {
    // Answered by the server (server/access-review.ts), never stored; listed for discovery.
    group: 'authorization.k8s.io',
    version: 'v1',
    kind: 'SelfSubjectAccessReview',
    plural: 'selfsubjectaccessreviews',
    namespaced: false,
  },
];
