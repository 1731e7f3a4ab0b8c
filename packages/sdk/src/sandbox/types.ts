import type { IsolationLevel, ResourceLimits, SandboxProvider } from '../provider.js';

/**
 * A registered provider name, or a provider instance you made yourself (e.g. a local provider
 * with your own warm-pool size). Names resolve to one shared instance per process.
 */
export type ProviderOption = 'local' | 'kubernetes' | (string & {}) | SandboxProvider;

/**
 * Outbound network of a sandbox.
 * - `'none'`: loopback only (the default).
 * - `'full'`: unrestricted egress. Locally (bubblewrap, unshare, none) this is the host's own
 *   network namespace: the code also reaches the host's loopback services and abstract unix
 *   sockets. See docs/security.md.
 * - `{ allow }`: egress only to these domains (`example.com` or `*.example.com`), on ports 80
 *   and 443 unless an entry names its port (`example.com:8443`). Names resolving to loopback,
 *   private, link-local or this host's own addresses are refused.
 */
export type NetworkOption = 'none' | 'full' | { allow: string[] };

export interface SandboxCreateOptions {
  /** Where the sandbox runs. @default 'local' */
  provider?: ProviderOption;
  /**
   * Required isolation. When set and the provider cannot give exactly this level, creation fails
   * with `IsolationUnavailableError` and nothing is left behind.
   * @default the provider's strongest available level
   */
  isolation?: IsolationLevel;
  /** @default the provider's default: `'none'` for the built-in providers */
  network?: NetworkOption;
  /** Requested limits; `sandbox.info()` reports those actually applied. */
  limits?: ResourceLimits;
  /** Environment for every command and task in the sandbox. */
  env?: Record<string, string>;
  /** Free-form labels, used by `Sandbox.list({ labels })` and for reaping (not `corral.dev/…`). */
  labels?: Record<string, string>;
  /** Who creates the sandbox (`SandboxInfo.owner`); a label value. @default the provider's owner */
  owner?: string;
  /** The Corral task the sandbox serves (`SandboxInfo.taskId`); a label value. */
  taskId?: string;
  /** Budget for the whole create (provision + runner health check). */
  timeoutMs?: number;
  /** The provider destroys the sandbox after this long, whoever holds it. */
  maxLifetimeMs?: number;
  /** Where a Kubernetes sandbox comes from; ignored by other providers. */
  kubernetes?: KubernetesPlacement;
  signal?: AbortSignal;
}

/** Placement of a sandbox on Kubernetes (agent-sandbox claims). */
export interface KubernetesPlacement {
  /** @default the provider's namespace (kubeconfig context, else `default`) */
  namespace?: string;
  /** The `SandboxWarmPool` to claim from (a `replicas: 0` pool gives cold starts). */
  warmPool?: string;
  /** The `SandboxTemplate` to claim from (v1alpha1 clusters only). */
  template?: string;
  /** Same as the top-level `taskId`, which wins when both are set. */
  taskId?: string;
}

export interface SandboxConnectOptions {
  /** @default 'local' */
  provider?: ProviderOption;
  signal?: AbortSignal;
}

export interface SandboxListOptions {
  /** @default 'local' */
  provider?: ProviderOption;
  /** Only sandboxes that carry all of these labels. */
  labels?: Record<string, string>;
  signal?: AbortSignal;
}

export interface SandboxCallOptions {
  signal?: AbortSignal;
}
