import type { Clock } from '@corral/agent-sandbox';
import type { KubeConfig } from '@kubernetes/client-node';
import { InvalidArgumentError } from '../errors.js';
import type { ProviderCreateOptions } from '../provider.js';
import { checkIdentifier, defaultOwner } from '../labels.js';
import type { ConnectionOptions } from './connection/connection-options.js';
import { resolveConnection, type ResolvedConnection } from './connection/resolve-connection.js';
import type { KubernetesTelemetryOptions } from './telemetry.js';

export type { ConnectionMode, ConnectionOptions } from './connection/connection-options.js';

/** `tracerProvider` and `metrics`: optional tracing and metrics (`telemetry.ts`, decision 0038). */
export interface KubernetesProviderOptions extends KubernetesTelemetryOptions {
  /** A loaded KubeConfig; otherwise `kubeconfigPath`, then KUBECONFIG, ~/.kube/config, in-cluster. */
  kubeConfig?: KubeConfig;
  kubeconfigPath?: string;
  context?: string;
  /** Namespace of the claims. @default the context's namespace, else `default` */
  namespace?: string;
  /** Default SandboxWarmPool to claim from (a `replicas: 0` pool gives cold starts). */
  warmPool?: string;
  /** Default SandboxTemplate (v1alpha1 clusters only; v1beta1 claims name a pool). */
  template?: string;
  /** @default 'auto': v1beta1 when served, else v1alpha1 */
  apiVersion?: 'auto' | 'v1beta1' | 'v1alpha1';
  connection?: ConnectionOptions;
  /** Safety net: `lifecycle.shutdownTime` = now + this. @default 3 600 000 (1 h) */
  maxLifetimeMs?: number;
  /** `lifecycle.ttlSecondsAfterFinished`. @default 60 */
  ttlSecondsAfterFinished?: number;
  /** Value of the `corral.dev/owner` label. @default `<hostname>-<pid>` */
  owner?: string;
  /** Budget for the claim to become Ready, unless `create({ timeoutMs })` says otherwise. @default 180 000 */
  readyTimeoutMs?: number;
  /** Budget for deleting a claim on rollback and in signal cleanup. @default 30 000 */
  cleanupTimeoutMs?: number;
  /** Delete every claim this provider created on SIGINT/SIGTERM (see `enableSignalCleanup`). */
  cleanupOnSignal?: boolean;
  /** Environment to read `KUBERNETES_SERVICE_HOST` from. @default process.env */
  env?: Record<string, string | undefined>;
  /** Time source for waits (tests). */
  clock?: Clock;
}

/** What `create` accepts beyond the provider interface's options. */
export interface KubernetesCreateOptions extends ProviderCreateOptions {
  /** Overrides the provider's namespace; the id is then `<namespace>/<claim name>`. */
  namespace?: string;
  /** Overrides the provider's `warmPool`. */
  warmPool?: string;
  /** Overrides the provider's `template` (v1alpha1 clusters). */
  template?: string;
  /** Labels and annotations for the pod (label keys need a domain the controller allows). */
  podLabels?: Record<string, string>;
  podAnnotations?: Record<string, string>;
}

export interface DeleteSandboxOptions {
  /** Foreground propagation, and wait until the claim and its dependents are gone. */
  foreground?: boolean;
  /** Budget for the foreground wait. @default the provider's cleanupTimeoutMs */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface ResolvedOptions {
  namespace: string | undefined;
  warmPool: string | undefined;
  template: string | undefined;
  connection: ResolvedConnection;
  maxLifetimeMs: number;
  ttlSecondsAfterFinished: number;
  owner: string;
  readyTimeoutMs: number;
  cleanupTimeoutMs: number;
}

export const DEFAULT_MAX_LIFETIME_MS = 3_600_000;
export const DEFAULT_TTL_SECONDS_AFTER_FINISHED = 60;
export const DEFAULT_READY_TIMEOUT_MS = 180_000;
export const DEFAULT_CLEANUP_TIMEOUT_MS = 30_000;
export { DEFAULT_RUNNER_PORT } from './connection/resolve-connection.js';

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new InvalidArgumentError(
      `${name} must be a positive number of milliseconds, got ${String(value)}.`,
    );
  }
  return value;
}

/** Validates the options and fills in defaults; the connection mode `auto` is decided here. */
export function resolveOptions(options: KubernetesProviderOptions): ResolvedOptions {
  const conn = options.connection ?? {};
  const env = options.env ?? process.env;
  const connection = resolveConnection(conn, env);
  const ttl = options.ttlSecondsAfterFinished ?? DEFAULT_TTL_SECONDS_AFTER_FINISHED;
  if (!Number.isInteger(ttl) || ttl < 0) {
    throw new InvalidArgumentError(
      `ttlSecondsAfterFinished must be a non-negative whole number, got ${String(ttl)}.`,
    );
  }
  const owner = options.owner ?? defaultOwner();
  checkIdentifier('owner', owner);
  if (
    options.apiVersion !== undefined &&
    !['auto', 'v1beta1', 'v1alpha1'].includes(options.apiVersion)
  ) {
    throw new InvalidArgumentError(
      `apiVersion must be "auto", "v1beta1" or "v1alpha1", got ${JSON.stringify(options.apiVersion)}.`,
    );
  }
  return {
    namespace: options.namespace,
    warmPool: options.warmPool,
    template: options.template,
    connection,
    maxLifetimeMs: positive('maxLifetimeMs', options.maxLifetimeMs, DEFAULT_MAX_LIFETIME_MS),
    ttlSecondsAfterFinished: ttl,
    owner,
    readyTimeoutMs: positive('readyTimeoutMs', options.readyTimeoutMs, DEFAULT_READY_TIMEOUT_MS),
    cleanupTimeoutMs: positive(
      'cleanupTimeoutMs',
      options.cleanupTimeoutMs,
      DEFAULT_CLEANUP_TIMEOUT_MS,
    ),
  };
}
