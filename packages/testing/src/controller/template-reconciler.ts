/**
 * The SandboxTemplate controller (upstream `sandboxtemplate_controller.go`): one NetworkPolicy
 * per managed template, default-deny unless the template gives rules. Runs only when the store
 * serves `networking.k8s.io/v1 networkpolicies`.
 */
import { LABELS, nameHash } from '@corral/agent-sandbox';
import type { KubeObject } from '../store/types.js';
import { templateSpec } from './blueprint.js';
import { FIELD_MANAGER, type ControllerContext } from './context.js';
import {
  NETWORK_POLICIES,
  controllerRef,
  deepEqual,
  isControlledBy,
  isNotFound,
  isObj,
  labelsOf,
  type Obj,
} from './kube.js';

const DEFAULT_INGRESS = [
  {
    from: [
      {
        namespaceSelector: {
          matchLabels: { 'kubernetes.io/metadata.name': 'agent-sandbox-system' },
        },
        podSelector: { matchLabels: { app: 'sandbox-router' } },
      },
    ],
  },
];
const DEFAULT_EGRESS = [
  {
    to: [
      {
        ipBlock: {
          cidr: '0.0.0.0/0',
          except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16'],
        },
      },
      { ipBlock: { cidr: '::/0', except: ['fc00::/7', 'fe80::/10'] } },
    ],
  },
];

export class TemplateReconciler {
  private served: boolean | undefined;

  constructor(private readonly ctx: ControllerContext) {}

  private serves(): boolean {
    if (this.served === undefined) {
      try {
        this.ctx.store.list(NETWORK_POLICIES, { limit: 1 });
        this.served = true;
      } catch {
        this.served = false;
      }
    }
    return this.served;
  }

  reconcile(namespace: string, name: string): void {
    const { store, gvr } = this.ctx;
    const template = store.get(gvr.templates, namespace, name);
    if (template === undefined || template.metadata.deletionTimestamp !== undefined) return;
    const hash = nameHash(name);
    if (
      this.ctx.flavor !== 'v0.1.0' &&
      labelsOf(template)[LABELS.sandboxTemplateRefHash] !== hash
    ) {
      store.patch(
        gvr.templates,
        namespace,
        name,
        { metadata: { labels: { [LABELS.sandboxTemplateRefHash]: hash } } },
        'merge',
        {
          fieldManager: FIELD_MANAGER,
        },
      );
    }
    if (this.ctx.flavor === 'v0.1.0' || !this.serves()) return;
    const tspec = templateSpec(template);
    const npName = `${name}-network-policy`;
    const existing = store.get(NETWORK_POLICIES, namespace, npName);
    if (tspec.networkPolicyManagement === 'Unmanaged') {
      if (existing !== undefined && isControlledBy(existing, template)) {
        try {
          store.delete(NETWORK_POLICIES, namespace, npName);
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
      }
      return;
    }
    const rules = isObj(tspec.networkPolicy) ? tspec.networkPolicy : undefined;
    const desiredSpec: Obj = {
      podSelector: { matchLabels: { [LABELS.sandboxTemplateRefHash]: hash } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: rules !== undefined ? (rules.ingress ?? []) : DEFAULT_INGRESS,
      egress: rules !== undefined ? (rules.egress ?? []) : DEFAULT_EGRESS,
    };
    if (existing === undefined) {
      const np: KubeObject = {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: npName, namespace, ownerReferences: [controllerRef(template)] },
        spec: desiredSpec,
      };
      store.create(NETWORK_POLICIES, np, { fieldManager: FIELD_MANAGER });
      return;
    }
    if (isControlledBy(existing, template) && !deepEqual(existing.spec, desiredSpec)) {
      store.update(
        NETWORK_POLICIES,
        { ...existing, spec: desiredSpec },
        { fieldManager: FIELD_MANAGER },
      );
    }
  }
}
