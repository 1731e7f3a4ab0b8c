import { AuthorizationV1Api } from '@kubernetes/client-node';
import { compact } from '@corral/sdk';
import { withSignal } from '../../kube/call-options.js';
import { attempt } from './kube-error.js';
import type { Check, CheckOutcome } from './types.js';

interface Rule {
  group: string;
  resource: string;
  subresource?: string;
  verbs: readonly string[];
  why: string;
}

/** What Corral needs in its namespace: the Role in deploy/v1beta1/rbac.yaml, rule for rule. */
export const REQUIRED_RULES: readonly Rule[] = [
  {
    group: 'extensions.agents.x-k8s.io',
    resource: 'sandboxclaims',
    verbs: ['create', 'get', 'list', 'watch', 'delete', 'patch'],
    why: 'one claim per sandbox',
  },
  {
    group: 'agents.x-k8s.io',
    resource: 'sandboxes',
    verbs: ['get', 'list', 'watch', 'patch'],
    why: 'pod IPs, readiness, suspend/resume',
  },
  {
    group: 'extensions.agents.x-k8s.io',
    resource: 'sandboxwarmpools',
    verbs: ['get', 'list', 'watch'],
    why: 'find pools',
  },
  {
    group: 'extensions.agents.x-k8s.io',
    resource: 'sandboxtemplates',
    verbs: ['get', 'list', 'watch'],
    why: 'find templates',
  },
  {
    group: 'extensions.agents.x-k8s.io',
    resource: 'sandboxwarmpools',
    subresource: 'scale',
    verbs: ['patch'],
    why: 'resize a pool',
  },
  { group: '', resource: 'pods', verbs: ['get', 'list', 'watch'], why: 'pod state' },
  { group: '', resource: 'pods', subresource: 'log', verbs: ['get'], why: 'runner logs' },
  {
    group: '',
    resource: 'pods',
    subresource: 'exec',
    verbs: ['create', 'get'],
    why: 'exec without the runner',
  },
  {
    group: '',
    resource: 'pods',
    subresource: 'portforward',
    verbs: ['create', 'get'],
    why: 'reach runners from outside the cluster',
  },
  { group: '', resource: 'events', verbs: ['get', 'list', 'watch'], why: 'why a pod is stuck' },
];

function resourceName(rule: Rule): string {
  const base =
    rule.subresource === undefined ? rule.resource : `${rule.resource}/${rule.subresource}`;
  return rule.group === '' ? base : `${base}.${rule.group}`;
}

/** One check per rule: a SelfSubjectAccessReview per verb, in the namespace Corral will use. */
export function permissionChecks(): Check[] {
  return REQUIRED_RULES.map((rule) => ({
    id: `permission:${resourceName(rule)}`,
    title: `rbac ${rule.subresource === undefined ? rule.resource : `${rule.resource}/${rule.subresource}`}`,
    needs: ['cluster'],
    async run(state, signal): Promise<CheckOutcome> {
      const namespace = state.kube!.namespace;
      const api = state.kube!.kubeConfig.makeApiClient(AuthorizationV1Api);
      const reviews = await Promise.all(
        rule.verbs.map(async (verb) => ({
          verb,
          answer: await attempt(() =>
            api.createSelfSubjectAccessReview(
              {
                body: {
                  apiVersion: 'authorization.k8s.io/v1',
                  kind: 'SelfSubjectAccessReview',
                  spec: {
                    resourceAttributes: compact({
                      namespace,
                      verb,
                      group: rule.group,
                      resource: rule.resource,
                      subresource: rule.subresource,
                    }),
                  },
                },
              },
              withSignal(signal),
            ),
          ),
        })),
      );
      const failed = reviews.find((r) => !r.answer.ok);
      if (failed !== undefined && !failed.answer.ok) {
        // The same detail and fix for every rule, so the table shows one row naming them all.
        return {
          status: 'warn',
          detail: `could not ask the API server (SelfSubjectAccessReview): ${failed.answer.failure.message}`,
          fix: `Check by hand: \`kubectl auth can-i --list -n ${namespace}\` lists what you may do; Corral needs the Role in deploy/v1beta1/rbac.yaml.`,
          data: { namespace, resource: resourceName(rule), verbs: rule.verbs },
        };
      }
      const denied = reviews
        .filter((r) => r.answer.ok && r.answer.value.status?.allowed !== true)
        .map((r) => r.verb);
      const data = { namespace, resource: resourceName(rule), verbs: rule.verbs, denied };
      if (denied.length > 0) {
        return {
          status: 'fail',
          detail: `denied in ${namespace}: ${denied.join(', ')} ${resourceName(rule)} (needed to ${rule.why})`,
          fix: `Bind Corral's Role to you: apply deploy/v1beta1/rbac.yaml, then \`kubectl -n ${namespace} create rolebinding corral-$USER --role=corral-orchestrator --user=<you>\` (see docs/deploy.md#rbac).`,
          data,
        };
      }
      return {
        status: 'ok',
        detail: `${rule.verbs.join(', ')} allowed in ${namespace} (${rule.why})`,
        data,
      };
    },
  }));
}
