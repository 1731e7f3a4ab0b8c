/** What `startServer` takes; everything with a side effect on the host is injectable. */
import type { SandboxProvider } from '@corral/sdk';
import type { AgentProfile } from '@corral/agents';
import type { Settings } from './schemas.js';
import type { Store } from './store/types.js';

export type CheckStatus = 'running' | 'ok' | 'warn' | 'fail' | 'skip';

/** One `corral doctor` check as the test-connection stream sends it. */
export interface ConnectionCheck {
  id: string;
  title: string;
  status: CheckStatus;
  detail: string;
  fix: string | null;
}

/** The checks behind `POST /test-connection` (the CLI passes `corral doctor`'s). */
export type ConnectionChecks = (
  settings: Settings,
  signal: AbortSignal,
) => AsyncIterable<ConnectionCheck>;

export interface WarmPoolView {
  name: string;
  namespace: string;
  template: string;
  desired: number;
  ready: number;
}

/** Warm pools of the Kubernetes provider (the CLI passes an implementation on client-node). */
export interface WarmPools {
  list(settings: Settings, signal: AbortSignal): Promise<WarmPoolView[]>;
  scale(
    settings: Settings,
    name: string,
    replicas: number,
    signal: AbortSignal,
  ): Promise<WarmPoolView>;
}

export interface ServerOptions {
  /** Holds the store, the token file and the local sandboxes. */
  stateDir: string;
  /** @default '127.0.0.1' */
  host?: string;
  /** @default 7420; 0 picks a free port. */
  port?: number;
  /** The bearer token; @default read from (or generated into) `<stateDir>/server-token`. */
  token?: string;
  /** The console's built files; absent: only the API is served. */
  staticDir?: string;
  connectionChecks?: ConnectionChecks;
  warmPools?: WarmPools;
  /** @default a SQLite store at `<stateDir>/corral.db` */
  store?: Store;
  /** The provider for `provider: local` @default a local provider under `<stateDir>/sandboxes` */
  localProvider?: SandboxProvider;
  /** Makes the provider for `provider: kubernetes` @default `@corral/sdk/kubernetes` loaded lazily */
  kubernetesProvider?: (settings: Settings) => Promise<SandboxProvider>;
  /** Extra agent profiles beside the built-in ones and the server's `generic`. */
  profiles?: AgentProfile[];
  /** Environment for kubeconfig lookup and agent API keys. @default process.env */
  env?: Record<string, string | undefined>;
  /** Max JSON body in bytes. @default 1 MiB */
  maxBodyBytes?: number;
  /** Max file upload in bytes. @default 64 MiB */
  maxFileBytes?: number;
  /** SSE heartbeat. @default 15 000 */
  heartbeatMs?: number;
  /** Bound of a plan's checkpoint (workspace + agent home archives). @default 64 MiB */
  maxCheckpointBytes?: number;
  /** Agent runs at once. @default 2 */
  concurrency?: number;
  logger?: (line: string) => void;
}
