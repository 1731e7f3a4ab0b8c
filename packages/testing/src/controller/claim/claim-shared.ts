/**
 * Helpers and error kinds shared by the SandboxClaim controller's modules.
 */
import { ANNOTATIONS, CONDITION_TYPES } from '@corral/agent-sandbox';
import type { KubeObject } from '../../store/types.js';
import { clone, conditionsOf, findCondition, isObj, type Obj } from '../kube.js';

export type ClaimErrorKind =
  | 'WarmPoolNotFound'
  | 'TemplateNotFound'
  | 'InvalidMetadata'
  | 'EnvVarsInjectionRejected'
  | 'VolumeClaimTemplatesError'
  | 'NotOwned'
  | 'AlreadyExists'
  | 'AdoptionConflict';

export class ClaimError extends Error {
  constructor(
    readonly kind: ClaimErrorKind,
    message: string,
  ) {
    super(message);
  }
}

export class PendingWarmCandidates extends Error {
  constructor(readonly retryAfterMs: number) {
    super('warm pool candidates are awaiting observed Pod IPs');
  }
}

export const SUPPRESSED: ReadonlySet<ClaimErrorKind> = new Set([
  'InvalidMetadata',
  'NotOwned',
  'EnvVarsInjectionRejected',
  'VolumeClaimTemplatesError',
]);

export const RESTRICTED_ANNOTATION_DOMAINS = ['kubernetes.io', 'k8s.io', 'agents.x-k8s.io'];
export const EXEMPT_ANNOTATIONS = [ANNOTATIONS.safeToEvict];
export const MISSING_DEPENDENCY_REQUEUE_MS = 60_000;
export const CACHE_LAG_REQUEUE_MS = 200;
export const WARM_RETRY_INTERVAL_MS = 500;
export const OBSERVED_AT = 'agents.x-k8s.io/controller-first-observed-at';
export const QUALIFIED_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;
export const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export function spec(obj: KubeObject): Obj {
  return isObj(obj.spec) ? obj.spec : {};
}

export function stringMap(value: unknown): Record<string, string> {
  return isObj(value) ? { ...(value as Record<string, string>) } : {};
}

export function refName(value: unknown): string {
  return isObj(value) && typeof value.name === 'string' ? value.name : '';
}

export function sandboxReady(sb: KubeObject): boolean {
  const status = isObj(sb.status) ? sb.status : {};
  return findCondition(conditionsOf(clone(status)), CONDITION_TYPES.ready)?.status === 'True';
}

export function sandboxPodIPs(sb: KubeObject): string[] {
  const status = isObj(sb.status) ? sb.status : {};
  return Array.isArray(status.podIPs) ? (status.podIPs as string[]) : [];
}

export function isQualifiedName(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) return 'a qualified name must consist of alphanumeric characters';
  const name = parts[parts.length - 1] ?? '';
  if (name === '' || name.length > 63 || !QUALIFIED_NAME.test(name)) {
    return "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
  }
  if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    if (prefix === '' || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix)) {
      return 'prefix part must be a valid DNS-1123 subdomain';
    }
  }
  return undefined;
}

export interface Resolved {
  sandbox: KubeObject | undefined;
  err: unknown;
}
