/**
 * The SandboxClaim a `create` sends: warm pool or template, Corral's labels, and the safety net
 * (shutdownTime, `Delete` policy, TTL after finish) so a crashed caller leaks nothing for long.
 */
import {
  ANNOTATIONS,
  LABELS,
  CORRAL_CREATED_BY,
  buildSandboxClaim,
  type AgentSandboxClient,
  type ApiVersionName,
  type KubeObject,
} from '@corral/agent-sandbox';
import { compact } from '../compact.js';
import { InvalidArgumentError } from '../errors.js';
import { sandboxLabels } from '../labels.js';
import { checkPlacementExists } from './placement-check.js';
import type { Ref } from './claim-ref.js';
import { rfc3339Micro } from './names.js';
import type { KubernetesCreateOptions, ResolvedOptions } from './options.js';

export async function buildClaim(
  client: AgentSandboxClient,
  provider: ResolvedOptions,
  ref: Ref,
  options: KubernetesCreateOptions,
): Promise<KubeObject> {
  const warmPool = options.warmPool ?? provider.warmPool;
  const template = options.template ?? provider.template;
  if (warmPool === undefined && template === undefined) {
    throw new InvalidArgumentError(
      'A Kubernetes sandbox needs a warm pool: pass { warmPool: "<SandboxWarmPool>" } to the provider ' +
        'or to create (a pool with replicas: 0 gives cold starts). On v1alpha1 clusters { template } works too.',
    );
  }
  // a pool or template missing from this namespace fails now, naming what is there (issue 13)
  await checkPlacementExists(client, { warmPool, template }, ref.namespace, options.signal);
  const labels = sandboxLabels({
    labels: options.labels,
    owner: options.owner ?? provider.owner,
    taskId: options.taskId,
  });
  labels[LABELS.createdBy] = CORRAL_CREATED_BY;
  const version: ApiVersionName = await client.apiVersionFor('SandboxClaim');
  const fragment = await client.claimSpecFor(
    compact({
      warmPool,
      template,
    }),
    compact({
      namespace: ref.namespace,
      signal: options.signal,
    }),
  );
  const target =
    'warmPoolRef' in fragment
      ? { warmPool: fragment.warmPoolRef.name }
      : compact({
          template: fragment.sandboxTemplateRef.name,
          warmPool: fragment.warmpool,
        });
  const now = new Date();
  const podMetadata =
    options.podLabels !== undefined || options.podAnnotations !== undefined
      ? {
          additionalPodMetadata: compact({
            labels: options.podLabels,
            annotations: options.podAnnotations,
          }),
        }
      : {};
  return buildSandboxClaim({
    name: ref.name,
    namespace: ref.namespace,
    version,
    ...target,
    lifecycle: {
      shutdownAfterMs: options.maxLifetimeMs ?? provider.maxLifetimeMs,
      ttlSecondsAfterFinished: provider.ttlSecondsAfterFinished,
      shutdownPolicy: 'Delete',
    },
    labels,
    annotations: { [ANNOTATIONS.clientFirstRequestedAt]: rfc3339Micro(now) },
    now,
    ...(options.env !== undefined && Object.keys(options.env).length > 0
      ? { env: options.env }
      : {}),
    ...podMetadata,
  });
}
