/**
 * The Sandbox's PersistentVolumeClaims (upstream `reconcilePVCs`).
 */
import { LABELS } from '@corral/agent-sandbox';
import type { KubeObject } from '../../store/types.js';
import { FIELD_MANAGER, type ControllerContext } from '../context.js';
import { PVCS, clone, controllerOf, controllerRef, isObj, str } from '../kube.js';
import { sandboxSpec, stringMap } from './sandbox-shared.js';

export function reconcilePVCs(ctx: ControllerContext, sb: KubeObject, hash: string): unknown {
  const vcts = sandboxSpec(sb).volumeClaimTemplates;
  if (!Array.isArray(vcts) || vcts.length === 0) return undefined;
  const { store } = ctx;
  const ns = sb.metadata.namespace ?? '';
  try {
    for (const vct of vcts.filter(isObj)) {
      const meta = isObj(vct.metadata) ? vct.metadata : {};
      const pvcName = `${str(meta.name)}-${sb.metadata.name}`;
      const existing = store.get(PVCS, ns, pvcName);
      if (existing !== undefined) {
        const ref = controllerOf(existing);
        if (ref !== undefined && ref.uid !== sb.metadata.uid) {
          throw new Error(
            `PVC "${pvcName}" is owned by ${ref.kind}/${ref.name} (UID: ${ref.uid}), not by sandbox "${sb.metadata.name}"`,
          );
        }
        continue;
      }
      store.create(
        PVCS,
        {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: {
            name: pvcName,
            namespace: ns,
            labels: { ...stringMap(meta.labels), [LABELS.sandboxNameHash]: hash },
            annotations: stringMap(meta.annotations),
            ownerReferences: [controllerRef(sb)],
          },
          spec: clone(isObj(vct.spec) ? vct.spec : {}),
        },
        { fieldManager: FIELD_MANAGER },
      );
    }
  } catch (e) {
    return e;
  }
  return undefined;
}
