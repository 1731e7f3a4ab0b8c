/**
 * The Sandbox's headless Service (upstream `reconcileService`, `setServiceStatus`).
 */
import { LABELS } from '@corral/agent-sandbox';
import type { KubeObject } from '../../store/types.js';
import { FIELD_MANAGER, type ControllerContext } from '../context.js';
import {
  SERVICES,
  clone,
  controllerOf,
  controllerRef,
  deepEqual,
  errorMessage,
  isNotFound,
  isObj,
  labelsOf,
  str,
  type Obj,
} from '../kube.js';
import { podTemplate, serviceDesired, servicePorts } from './sandbox-shared.js';

export function reconcileService(
  ctx: ControllerContext,
  sb: KubeObject,
  hash: string,
  status: Obj,
): KubeObject | undefined {
  const { store, clusterDomain } = ctx;
  const ns = sb.metadata.namespace ?? '';
  const name = sb.metadata.name ?? '';
  const desired = serviceDesired(ctx, sb);
  const ports = servicePorts(podTemplate(sb).spec);
  const setStatus = (svc: KubeObject): KubeObject => {
    status.service = svc.metadata.name;
    status.serviceFQDN = `${svc.metadata.name}.${svc.metadata.namespace}.svc.${clusterDomain}`;
    return svc;
  };
  const clearStatus = (): undefined => {
    delete status.service;
    delete status.serviceFQDN;
    return undefined;
  };
  const selector = { [LABELS.sandboxNameHash]: hash };
  const svc = store.get(SERVICES, ns, name);
  if (svc === undefined) {
    if (desired !== true) return clearStatus();
    const spec: Obj = { clusterIP: 'None', selector };
    if (ports.length > 0) spec.ports = ports;
    const created = store.create(
      SERVICES,
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: {
          name,
          namespace: ns,
          labels: { [LABELS.sandboxNameHash]: hash },
          ownerReferences: [controllerRef(sb)],
        },
        spec,
      },
      { fieldManager: FIELD_MANAGER },
    );
    return setStatus(created);
  }
  const ref = controllerOf(svc);
  const ownedBySandbox = ref?.uid === sb.metadata.uid;
  if (desired === false) {
    if (ownedBySandbox) {
      try {
        store.delete(SERVICES, ns, name);
      } catch (e) {
        if (!isNotFound(e)) throw new Error(`failed to delete service: ${errorMessage(e)}`);
      }
    }
    return clearStatus();
  }
  if (ref !== undefined && !ownedBySandbox) {
    throw new Error(
      `service "${name}" is owned by ${ref.kind}/${ref.name} (UID: ${ref.uid}), not by sandbox "${name}"`,
    );
  }
  const svcSpec = isObj(svc.spec) ? svc.spec : {};
  if (ref === undefined) {
    if (desired === undefined) return clearStatus();
    const labels = labelsOf(svc);
    if (labels[LABELS.adoptable] !== 'true' && labels[LABELS.sandboxNameHash] !== hash) {
      throw new Error(
        `cannot adopt unowned service "${name}": missing required pool authorization label ("${LABELS.adoptable}") or sandbox tracking label ("${LABELS.sandboxNameHash}")`,
      );
    }
    if (
      svcSpec.clusterIP !== 'None' &&
      svcSpec.clusterIP !== undefined &&
      svcSpec.clusterIP !== ''
    ) {
      throw new Error(
        `cannot adopt service "${name}": ClusterIP is "${str(svcSpec.clusterIP)}" (expected "None", field is immutable)`,
      );
    }
    const updated = clone(svc);
    updated.metadata.labels = { ...labels, [LABELS.sandboxNameHash]: hash };
    updated.metadata.ownerReferences = [...(svc.metadata.ownerReferences ?? []), controllerRef(sb)];
    updated.spec = { ...svcSpec, selector, ports };
    return setStatus(store.update(SERVICES, updated, { fieldManager: FIELD_MANAGER }));
  }
  const patch: Obj = {};
  if (labelsOf(svc)[LABELS.sandboxNameHash] !== hash) {
    patch.metadata = { labels: { [LABELS.sandboxNameHash]: hash } };
  }
  const specPatch: Obj = {};
  if (!deepEqual(svcSpec.selector, selector)) specPatch.selector = selector;
  if (desired === true && !deepEqual(svcSpec.ports ?? [], ports)) specPatch.ports = ports;
  if (Object.keys(specPatch).length > 0) patch.spec = specPatch;
  if (Object.keys(patch).length > 0) {
    return setStatus(
      store.patch(SERVICES, ns, name, patch, 'merge', { fieldManager: FIELD_MANAGER }),
    );
  }
  return setStatus(svc);
}
