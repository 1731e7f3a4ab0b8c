/**
 * Sandboxes owned by a `corral serve` process: creation, listing and deletion go through its REST
 * API; commands, files and tasks go to the sandbox's runner through the server's runner proxy
 * (`/api/v1/sandboxes/{id}/runner`), with the server's token. The sandbox belongs to the server,
 * so it outlives the client process with no keeper process of its own.
 */
import { compact } from '../compact.js';
import { InvalidArgumentError, NotFoundError, ProviderClosedError } from '../errors.js';
import { CORRAL_LABELS } from '../labels.js';
import type {
  IsolationInfo,
  ProviderCapabilities,
  ProviderCreateOptions,
  ProvisionedSandbox,
  SandboxInfo,
  SandboxProvider,
  SandboxState,
} from '../provider.js';
import { serverHttp, type ServerHttp } from './http.js';

export interface ServerProviderOptions {
  /** The server's URL, e.g. `http://127.0.0.1:7420` (what `corral serve` printed, without `?token=`). */
  url: string;
  /** The bearer token `corral serve` printed (also in its `<state-dir>/server-token`). */
  token: string;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** The server's JSON for one sandbox (`GET /api/v1/sandboxes/{id}`; list items lack the last two). */
interface SandboxJson {
  id: string;
  provider: string;
  state: string;
  isolation: string | null;
  createdAt: string;
  expiresAt: string | null;
  labels: Record<string, string>;
  owner: string | null;
  taskId: string | null;
  isolationInfo?: IsolationInfo | null;
  metadata?: Record<string, string>;
}

const STATES: ReadonlySet<string> = new Set(['starting', 'running', 'paused', 'stopped']);

export function createServerProvider(options: ServerProviderOptions): ServerProvider {
  return new ServerProvider(options);
}

export class ServerProvider implements SandboxProvider {
  readonly name = 'server';
  readonly url: string;
  readonly #token: string;
  readonly #http: ServerHttp;
  #closed = false;

  constructor(options: ServerProviderOptions) {
    let parsed: URL;
    try {
      parsed = new URL(options.url);
    } catch {
      throw new InvalidArgumentError(
        `server url ${JSON.stringify(options.url)} is not a URL; pass what \`corral serve\` printed, e.g. http://127.0.0.1:7420`,
      );
    }
    if (parsed.protocol !== 'http:')
      throw new InvalidArgumentError(
        `server url ${options.url} must be http:// (the runner proxy speaks plain HTTP; put TLS in front with a reverse proxy and use its http:// side on the same host)`,
      );
    if (!options.token)
      throw new InvalidArgumentError(
        'no server token: pass the token `corral serve` printed (it is in <state-dir>/server-token)',
      );
    this.url = parsed.origin;
    this.#token = options.token;
    this.#http = serverHttp(this.url, options.token, options.fetch ?? globalThis.fetch);
  }

  capabilities(): ProviderCapabilities {
    // what the server's own provider offers is not known without asking; these are the promises
    // this provider keeps itself (the sandbox outlives the client)
    return {
      isolation: 'bubblewrap',
      network: ['none', 'full', 'allow'],
      resourceLimits: true,
      warmPool: false,
      suspend: false,
      persistent: true,
    };
  }

  async create(options: ProviderCreateOptions): Promise<ProvisionedSandbox> {
    this.#open();
    if (options.id !== undefined)
      throw new InvalidArgumentError(
        `id ${JSON.stringify(options.id)}: the server chooses sandbox ids; omit id (use labels or taskId to find the sandbox again)`,
      );
    if (options.owner !== undefined)
      throw new InvalidArgumentError(
        `owner ${JSON.stringify(options.owner)}: sandboxes made through a server are owned by that server; omit owner (labels mark them for you)`,
      );
    if (options.readOnlyBinds && Object.keys(options.readOnlyBinds).length > 0)
      throw new InvalidArgumentError(
        'readOnlyBinds name host paths, which a server on another machine cannot see; bind them on the server side instead',
      );
    const network = options.network;
    const limits = options.limits;
    const body = compact({
      network:
        network === undefined
          ? undefined
          : network.mode === 'allow'
            ? { allow: network.domains }
            : network.mode,
      limits: limits
        ? compact({
            memoryBytes: limits.memoryBytes,
            cpus: limits.cpus,
            pids: limits.maxProcesses,
            diskBytes: limits.diskBytes,
          })
        : undefined,
      labels: options.labels,
      lifetimeMs: options.maxLifetimeMs,
      env: options.env,
      taskId: options.taskId,
      timeoutMs: options.timeoutMs,
    });
    const made = await this.#http.json<SandboxJson>({
      method: 'POST',
      path: '/api/v1/sandboxes',
      body,
      signal: options.signal,
      operation: 'create a sandbox on the server',
    });
    return this.#provisioned(made!);
  }

  async get(id: string, options: { signal?: AbortSignal } = {}) {
    this.#open();
    try {
      const found = await this.#http.json<SandboxJson>({
        method: 'GET',
        path: `/api/v1/sandboxes/${encodeURIComponent(id)}`,
        signal: options.signal,
        operation: `get sandbox ${id}`,
      });
      return found ? this.#provisioned(found) : undefined;
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
  }

  async list(options: { labels?: Record<string, string>; signal?: AbortSignal } = {}) {
    this.#open();
    const answer = await this.#http.json<{ items: SandboxJson[] }>({
      method: 'GET',
      path: '/api/v1/sandboxes',
      signal: options.signal,
      operation: 'list sandboxes on the server',
    });
    const wanted = Object.entries(options.labels ?? {});
    return (answer?.items ?? [])
      .map((item) => this.#info(item))
      .filter((info) => wanted.every(([k, v]) => labelValue(info, k) === v));
  }

  async delete(id: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    this.#open();
    try {
      await this.#http.json({
        method: 'DELETE',
        path: `/api/v1/sandboxes/${encodeURIComponent(id)}`,
        signal: options.signal,
        operation: `delete sandbox ${id}`,
      });
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
  }

  close(): Promise<void> {
    // the sandboxes are the server's: closing the client leaves them running
    this.#closed = true;
    return Promise.resolve();
  }

  #open(): void {
    if (this.#closed)
      throw new ProviderClosedError(
        `the server provider for ${this.url} is closed; create a new one with createServerProvider()`,
      );
  }

  #provisioned(json: SandboxJson): ProvisionedSandbox {
    return {
      info: this.#info(json),
      endpoint: {
        baseUrl: `${this.url}/api/v1/sandboxes/${encodeURIComponent(json.id)}/runner`,
        token: this.#token,
      },
    };
  }

  #info(json: SandboxJson): SandboxInfo {
    const level = (json.isolationInfo?.level ?? json.isolation ?? 'none') as IsolationInfo['level'];
    return {
      id: json.id,
      provider: this.name,
      state: (STATES.has(json.state) ? json.state : 'running') as SandboxState,
      createdAt: new Date(json.createdAt),
      isolation: json.isolationInfo ?? {
        level,
        detail: `through ${this.url}`,
        network: { mode: 'none' },
        limitsApplied: {},
        warnings: [],
      },
      labels: json.labels,
      ...compact({ owner: json.owner ?? undefined, taskId: json.taskId ?? undefined }),
      metadata: {
        ...json.metadata,
        server: this.url,
        serverProvider: json.provider,
        ...(json.expiresAt ? { expiresAt: json.expiresAt } : {}),
      },
    };
  }
}

function labelValue(info: SandboxInfo, key: string): string | undefined {
  if (key === CORRAL_LABELS.owner) return info.owner;
  if (key === CORRAL_LABELS.taskId) return info.taskId;
  return info.labels[key];
}
