/** Maps a SandboxClaim (and its bound Sandbox, when known) to the SDK's `SandboxInfo`. */
import {
  ANNOTATIONS,
  CONDITION_TYPES,
  LABELS,
  boundSandboxName,
  findCondition,
  isFinished,
  isReady,
  readiness,
  readyReason,
  type HasConditions,
  type KubeObject,
} from '@corral/agent-sandbox';
import type { NetworkMode, SandboxInfo, SandboxState } from '../provider.js';
import { labelsToInfo } from '../labels.js';

export const PROVIDER_NAME = 'kubernetes';

interface SandboxLike extends KubeObject {
  spec?: {
    operatingMode?: string;
    replicas?: number;
    podTemplate?: { spec?: { runtimeClassName?: string } };
  };
  status?: { podIPs?: string[]; serviceFQDN?: string; conditions?: unknown[] };
}

/** Whether the Sandbox is (being) suspended: `operatingMode` in v1beta1, `replicas: 0` in v1alpha1. */
export function isSuspended(sandbox: KubeObject | undefined): boolean {
  const spec = (sandbox as SandboxLike | undefined)?.spec;
  return spec?.operatingMode === 'Suspended' || spec?.replicas === 0;
}

export function stateOf(claim: KubeObject, sandbox: KubeObject | undefined): SandboxState {
  const c = claim as HasConditions & KubeObject;
  if (claim.metadata?.deletionTimestamp !== undefined) return 'stopped';
  if (isFinished(c)) return 'stopped';
  if (isSuspended(sandbox) || readyReason(c) === 'SandboxSuspended') return 'paused';
  if (readiness(c) === 'terminal') return 'stopped';
  if (isReady(c) && boundSandboxName(claim) !== undefined) return 'running';
  return 'starting';
}

/** The Sandbox's pod: named by the `pod-name` annotation, else after the Sandbox. */
export function podNameOf(sandboxName: string, sandbox: KubeObject | undefined): string {
  const annotated = sandbox?.metadata?.annotations?.[ANNOTATIONS.podName];
  return annotated !== undefined && annotated !== '' ? annotated : sandboxName;
}

export function podIPsOf(claim: KubeObject, sandbox: KubeObject | undefined): string[] {
  const fromSandbox = (sandbox as SandboxLike | undefined)?.status?.podIPs;
  if (fromSandbox !== undefined && fromSandbox.length > 0) return fromSandbox;
  const fromClaim = (claim.status as { sandbox?: { podIPs?: string[] } } | undefined)?.sandbox
    ?.podIPs;
  return fromClaim ?? [];
}

export function serviceFqdnOf(sandbox: KubeObject | undefined): string | undefined {
  const fqdn = (sandbox as SandboxLike | undefined)?.status?.serviceFQDN;
  return fqdn === undefined || fqdn === '' ? undefined : fqdn;
}

export interface InfoContext {
  id: string;
  namespace: string;
  /** The network the caller asked for, reported with a warning (templates decide networking). */
  requestedNetwork?: NetworkMode | undefined;
  limitsRequested?: boolean;
}

export function toSandboxInfo(
  claim: KubeObject,
  sandbox: KubeObject | undefined,
  context: InfoContext,
): SandboxInfo {
  const { labels, ...corral } = labelsToInfo(claim.metadata?.labels ?? {});
  const sandboxName = boundSandboxName(claim);
  const metadata: Record<string, string> = {
    claimName: claim.metadata?.name ?? context.id,
    namespace: context.namespace,
  };
  if (claim.apiVersion !== undefined) metadata.apiVersion = claim.apiVersion;
  const spec = claim.spec as
    | { warmPoolRef?: { name?: string }; sandboxTemplateRef?: { name?: string }; warmpool?: string }
    | undefined;
  const pool = spec?.warmPoolRef?.name ?? spec?.warmpool;
  if (pool !== undefined) metadata.warmPool = pool;
  if (spec?.sandboxTemplateRef?.name !== undefined)
    metadata.template = spec.sandboxTemplateRef.name;
  if (sandboxName !== undefined) {
    metadata.sandboxName = sandboxName;
    metadata.podName = podNameOf(sandboxName, sandbox);
  }
  const ips = podIPsOf(claim, sandbox);
  if (ips.length > 0) metadata.podIPs = ips.join(',');
  const fqdn = serviceFqdnOf(sandbox);
  if (fqdn !== undefined) metadata.serviceFQDN = fqdn;
  const launchType = sandbox?.metadata?.labels?.[LABELS.launchType];
  if (launchType !== undefined) metadata.launchType = launchType;
  const ready = findCondition(claim, CONDITION_TYPES.ready);
  if (ready?.reason !== undefined) metadata.readyReason = ready.reason;

  const runtimeClass = (sandbox as SandboxLike | undefined)?.spec?.podTemplate?.spec
    ?.runtimeClassName;
  const warnings: string[] = [];
  if (context.requestedNetwork !== undefined && context.requestedNetwork.mode !== 'full') {
    warnings.push(
      `network ${context.requestedNetwork.mode} was requested, but on Kubernetes the SandboxTemplate's ` +
        'NetworkPolicy decides egress; Corral does not enforce it per sandbox.',
    );
  }
  if (context.limitsRequested === true) {
    warnings.push(
      'Resource limits come from the SandboxTemplate (container resources); the requested limits were not applied.',
    );
  }
  const created = claim.metadata?.creationTimestamp;
  const shutdownTime = (claim.spec as { lifecycle?: { shutdownTime?: string } } | undefined)
    ?.lifecycle?.shutdownTime;
  const expiresAt = shutdownTime === undefined ? undefined : new Date(shutdownTime);
  return {
    id: context.id,
    provider: PROVIDER_NAME,
    state: stateOf(claim, sandbox),
    createdAt: created !== undefined ? new Date(created) : new Date(0),
    ...(expiresAt !== undefined && !Number.isNaN(expiresAt.getTime()) ? { expiresAt } : {}),
    isolation: {
      level: 'pod',
      detail:
        sandbox === undefined
          ? 'runtimeClassName: unknown (Sandbox not readable)'
          : `runtimeClassName: ${runtimeClass ?? '(cluster default)'}`,
      network: { mode: 'full' },
      limitsApplied: {},
      warnings,
    },
    labels,
    ...corral,
    metadata,
  };
}
