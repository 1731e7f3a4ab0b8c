/**
 * The seam between the `Sandbox` API and the places sandboxes run. The local provider
 * (bubblewrap/unshare/gVisor on this machine) implements it now; the Kubernetes provider
 * (agent-sandbox claims) implements the same interface. A provider only provisions, finds
 * and destroys sandboxes and says how to reach the runner inside; commands, files and tasks
 * all go through the runner's HTTP API, whatever the provider.
 */

/** How strongly a sandbox is separated from its host, strongest first. */
export type IsolationLevel =
  /** gVisor `runsc`: a user-space kernel between the sandbox and the host kernel. */
  | 'gvisor'
  /** bubblewrap: namespaces (user, pid, net, ipc, uts, mount), no capabilities, minimal fs. */
  | 'bubblewrap'
  /** util-linux unshare: namespaces, but a coarser filesystem view than bubblewrap. */
  | 'unshare'
  /** A Kubernetes pod, isolated by its RuntimeClass (reported in `IsolationInfo.detail`). */
  | 'pod'
  /** A plain process: no isolation at all; only with an explicit opt-in. */
  | 'none';

export type NetworkMode =
  | { mode: 'none' }
  | { mode: 'full' }
  /**
   * Egress only to these domains (exact, or `*.example.com`; `:port` to allow a port other than
   * 80/443), through a filtering proxy.
   */
  | { mode: 'allow'; domains: string[] };

export interface ResourceLimits {
  memoryBytes?: number;
  /** CPU in cores, e.g. 0.5. */
  cpus?: number;
  maxProcesses?: number;
  /**
   * Size of the work directory's file system; writing past it fails with ENOSPC inside. Local
   * provider: a loop-mounted ext4 image (as root; without root it is reported as not applied).
   * @default 10 GiB (local provider)
   */
  diskBytes?: number;
}

export interface IsolationInfo {
  level: IsolationLevel;
  /** Human-readable specifics, e.g. `bwrap 0.8.0, uid 10001, seccomp` or `runtimeClassName: gvisor`. */
  detail: string;
  network: NetworkMode;
  /** The limits actually enforced, which can be fewer than requested (e.g. no cgroups as non-root). */
  limitsApplied: ResourceLimits;
  /**
   * Each requested limit that is NOT enforced, with why and how to get it (e.g. `memoryBytes`:
   * "cgroups not writable: … run `corral doctor`"). Absent or empty when every requested limit
   * is enforced; never a silent gap: a key is in `limitsApplied` or here.
   */
  limitsNotApplied?: LimitsNotApplied;
  /** Why a requested limit or isolation feature could not be applied, if any. */
  warnings: string[];
}

/** Per limit of `ResourceLimits`: the reason it is not enforced. */
export type LimitsNotApplied = { [K in keyof ResourceLimits]?: string };

export type SandboxState = 'starting' | 'running' | 'paused' | 'stopped';

export interface SandboxInfo {
  id: string;
  provider: string;
  state: SandboxState;
  createdAt: Date;
  /** When the provider will remove the sandbox (its `maxLifetimeMs` safety net), when known. */
  expiresAt?: Date;
  isolation: IsolationInfo;
  /** The caller's labels; Corral's own (`corral.dev/…`) are reported as `owner` and `taskId`. */
  labels: Record<string, string>;
  /** Who created the sandbox (`ProviderCreateOptions.owner`), when known. */
  owner?: string;
  /** The Corral task the sandbox serves (`ProviderCreateOptions.taskId`), when given. */
  taskId?: string;
  /** Provider-specific identifiers: claim name, Sandbox name, pid, work directory, ... */
  metadata: Record<string, string>;
}

/** Where and how to reach the runner inside a sandbox. */
export interface RunnerEndpoint {
  /** `http://host:port` for TCP; for a unix socket, `http://localhost` plus `socketPath`. */
  baseUrl: string;
  socketPath?: string;
  /** Sent on every request (e.g. sandbox-router `X-Sandbox-*` headers). */
  headers?: Record<string, string>;
  /** Bearer token the runner requires, if any. */
  token?: string;
}

export interface ProvisionedSandbox {
  info: SandboxInfo;
  endpoint: RunnerEndpoint;
}

export interface ProviderCreateOptions {
  /** Caller-chosen id; providers generate one when absent. */
  id?: string;
  /** The caller's labels; keys under `corral.dev/` and `agents.x-k8s.io/` are reserved. */
  labels?: Record<string, string>;
  /**
   * Who creates the sandbox (a label value), stored as `corral.dev/owner` so that
   * `list({ labels: { [CORRAL_LABELS.owner]: owner } })` finds it. @default the provider's `owner`
   */
  owner?: string;
  /** The Corral task the sandbox serves (a label value), stored as `corral.dev/task-id`. */
  taskId?: string;
  env?: Record<string, string>;
  network?: NetworkMode;
  limits?: ResourceLimits;
  /** Upper bound on the sandbox's life; the provider destroys it afterwards. */
  maxLifetimeMs?: number;
  /** Startup budget; exceeding it fails the create and destroys what was made. */
  timeoutMs?: number;
  /**
   * Host paths (files or directories) bound read-only into the sandbox at `/opt/corral/<name>`
   * (names `[a-z0-9][a-z0-9._-]*`). Local provider only; others ignore it. Used to share one
   * installed copy of an agent CLI between sandboxes without copying it.
   */
  readOnlyBinds?: Record<string, string>;
  signal?: AbortSignal;
}

export interface ProviderCapabilities {
  isolation: IsolationLevel;
  network: ReadonlyArray<NetworkMode['mode']>;
  resourceLimits: boolean;
  warmPool: boolean;
  suspend: boolean;
  /** Whether a sandbox survives the process that created it (reattach with `Sandbox.connect`). */
  persistent: boolean;
}

/** How a sandbox's workload ended, seen from the provider (not from the runner). */
export interface SandboxExit {
  /** Whether the workload ended successfully (Kubernetes: the pod succeeded). */
  succeeded: boolean;
  /** The provider's word for it, e.g. `PodSucceeded` or `PodFailed`. */
  reason: string;
  message?: string;
}

/**
 * What every provider does, plus optional capabilities a provider offers when it can. Callers
 * (the orchestrator, agents) test for an optional member (`provider.waitTerminal?.(…)`) and
 * never for a provider's type, so a new provider gets the behaviour by implementing the member.
 */
export interface SandboxProvider {
  readonly name: string;
  /** The owner written on sandboxes created without `owner`, when the provider has a fixed one. */
  readonly owner?: string;
  capabilities(): ProviderCapabilities;
  create(options: ProviderCreateOptions): Promise<ProvisionedSandbox>;
  /** Undefined when no such sandbox exists. */
  get(id: string, options?: { signal?: AbortSignal }): Promise<ProvisionedSandbox | undefined>;
  list(options?: { labels?: Record<string, string>; signal?: AbortSignal }): Promise<SandboxInfo[]>;
  /** Idempotent: deleting a missing sandbox succeeds. Leaves no process, mount, cgroup or directory. */
  delete(id: string, options?: { signal?: AbortSignal }): Promise<void>;
  /** Releases what the provider holds (warm pools, watches). */
  close(): Promise<void>;

  /**
   * Optional: resolves when the sandbox's workload has ended, as the provider sees it (a pod's
   * terminal conditions), without asking the runner. Rejects with `SandboxNotFoundError` when
   * the sandbox goes away first, or with code `SANDBOX_ENDED` when it can never finish (e.g.
   * it expired). Providers whose sandboxes end only when deleted do not implement it.
   */
  waitTerminal?(id: string, options?: { signal?: AbortSignal }): Promise<SandboxExit>;

  /** Optional: the sandbox's own log (a pod's container log), line by line, as far as it goes. */
  logs?(id: string, options?: { signal?: AbortSignal }): AsyncIterable<string>;
}
