/**
 * The sandboxes this server shows, creates and owns. Every sandbox it creates carries its owner
 * id (stable across restarts) and a row in the store, so a restarted server adopts those still
 * alive and forgets (after deleting) those that are gone. Local sandboxes die with the process
 * that made them (bubblewrap --die-with-parent), so after a crash they are cleaned, not adopted.
 */
import { posix } from 'node:path';
import {
  RunnerClient,
  type RunnerEndpoint,
  type SandboxInfo,
  type SandboxProvider,
  compact,
} from '@corral/sdk';
import { ServerError } from './errors.js';
import type { SandboxDetail, SandboxView } from './schemas.js';
import type { Store } from './store/types.js';

export interface ReconcileReport {
  adopted: string[];
  cleaned: string[];
}

export function toView(info: SandboxInfo): SandboxView {
  return {
    id: info.id,
    provider: info.provider === 'kubernetes' ? 'kubernetes' : 'local',
    state: info.state,
    isolation: info.isolation?.level ?? null,
    createdAt: info.createdAt.toISOString(),
    expiresAt: info.metadata.expiresAt ?? null,
    labels: info.labels,
    owner: info.owner ?? null,
    taskId: info.taskId ?? null,
  };
}

export function toDetail(info: SandboxInfo): SandboxDetail {
  const iso = info.isolation;
  return {
    ...toView(info),
    isolationInfo: iso
      ? {
          level: iso.level,
          detail: iso.detail,
          network: iso.network,
          limitsApplied: { ...iso.limitsApplied },
          limitsNotApplied: { ...iso.limitsNotApplied },
          warnings: [...iso.warnings],
        }
      : null,
    metadata: { ...info.metadata },
  };
}

/** A path inside the sandbox's work dir (relative, or absolute under `/work`), else 403. */
export function workPath(path: string): string {
  if (path.includes('\0'))
    throw new ServerError('PATH_OUTSIDE_WORKDIR', 'path contains NUL', { field: 'path' });
  const relative =
    path.startsWith('/work/') || path === '/work' ? path.slice('/work'.length) : path;
  if (relative.startsWith('/') && path !== relative) return workPath(relative.replace(/^\/+/, ''));
  if (relative.startsWith('/'))
    throw new ServerError(
      'PATH_OUTSIDE_WORKDIR',
      `path ${JSON.stringify(path)} is outside the sandbox work dir; use a path relative to /work`,
      { field: 'path' },
    );
  const normal = posix.normalize(relative === '' ? '.' : relative);
  if (normal === '..' || normal.startsWith('../'))
    throw new ServerError(
      'PATH_OUTSIDE_WORKDIR',
      `path ${JSON.stringify(path)} leaves the sandbox work dir`,
      { field: 'path' },
    );
  return normal === '.' ? '' : normal;
}

export class SandboxService {
  private readonly clients = new Map<string, RunnerClient>();
  private readonly endpoints = new Map<string, RunnerEndpoint>();

  constructor(
    private readonly provider: () => SandboxProvider,
    private readonly store: Store,
    readonly owner: string,
  ) {}

  async list(signal?: AbortSignal): Promise<SandboxView[]> {
    const infos = await this.provider().list(signal ? { signal } : {});
    return infos.map(toView);
  }

  async create(
    options: {
      network?: 'none' | 'full' | { allow: string[] } | undefined;
      limits?:
        | {
            memoryBytes?: number | undefined;
            cpus?: number | undefined;
            pids?: number | undefined;
            diskBytes?: number | undefined;
          }
        | undefined;
      labels?: Record<string, string> | undefined;
      lifetimeMs?: number | undefined;
      env?: Record<string, string> | undefined;
      taskId?: string | undefined;
      timeoutMs?: number | undefined;
    },
    signal?: AbortSignal,
  ): Promise<SandboxDetail> {
    const provider = this.provider();
    const network =
      options.network === undefined
        ? undefined
        : typeof options.network === 'string'
          ? { mode: options.network }
          : { mode: 'allow' as const, domains: options.network.allow };
    const limits = options.limits
      ? compact({
          memoryBytes: options.limits.memoryBytes,
          cpus: options.limits.cpus,
          maxProcesses: options.limits.pids,
          diskBytes: options.limits.diskBytes,
        })
      : undefined;
    const made = await provider.create(
      compact({
        owner: this.owner,
        network,
        limits,
        labels: options.labels,
        maxLifetimeMs: options.lifetimeMs,
        env: options.env,
        taskId: options.taskId,
        timeoutMs: options.timeoutMs,
        signal,
      }),
    );
    try {
      await this.store.putSandbox({
        id: made.info.id,
        provider: provider.name,
        owner: this.owner,
        taskId: made.info.taskId ?? null,
        createdAt: made.info.createdAt.toISOString(),
      });
    } catch (error) {
      await provider.delete(made.info.id).catch(() => undefined);
      throw error;
    }
    return toDetail(made.info);
  }

  /** One live sandbox in full, else 404. */
  async get(id: string, signal?: AbortSignal): Promise<SandboxDetail> {
    return toDetail((await this.found(id, signal)).info);
  }

  /**
   * Where the sandbox's runner listens (for the runner proxy), else 404. Kept per id, so a
   * proxied call costs no provider lookup (a Kubernetes GET); `forgetEndpoint` after a failed
   * call, and `remove`, drop it.
   */
  async endpoint(id: string, signal?: AbortSignal): Promise<RunnerEndpoint> {
    const known = this.endpoints.get(id);
    if (known) return known;
    const { endpoint } = await this.found(id, signal);
    this.endpoints.set(id, endpoint);
    return endpoint;
  }

  forgetEndpoint(id: string): void {
    this.endpoints.delete(id);
  }

  private async found(id: string, signal?: AbortSignal) {
    const found = await this.provider().get(id, signal ? { signal } : {});
    if (!found)
      throw new ServerError(
        'NOT_FOUND',
        `no sandbox ${JSON.stringify(id)}; GET /api/v1/sandboxes lists them`,
      );
    return found;
  }

  async remove(id: string, signal?: AbortSignal): Promise<void> {
    const provider = this.provider();
    const found = await provider.get(id, signal ? { signal } : {});
    if (!found)
      throw new ServerError(
        'NOT_FOUND',
        `no sandbox ${JSON.stringify(id)}; GET /api/v1/sandboxes lists them`,
      );
    this.clients.get(id)?.close();
    this.clients.delete(id);
    this.endpoints.delete(id);
    await provider.delete(id, signal ? { signal } : {});
    await this.store.deleteSandbox(id);
  }

  /** The runner client of a live sandbox, else 404. */
  async client(id: string, signal?: AbortSignal): Promise<RunnerClient> {
    const cached = this.clients.get(id);
    const found = await this.provider().get(id, signal ? { signal } : {});
    if (!found) {
      cached?.close();
      this.clients.delete(id);
      throw new ServerError(
        'NOT_FOUND',
        `no sandbox ${JSON.stringify(id)}; GET /api/v1/sandboxes lists them`,
      );
    }
    if (cached) return cached;
    const client = new RunnerClient(found.endpoint);
    this.clients.set(id, client);
    return client;
  }

  /** After a restart: keep the rows of owned sandboxes still alive, drop (and delete) the rest. */
  async reconcile(signal?: AbortSignal): Promise<ReconcileReport> {
    const provider = this.provider();
    const report: ReconcileReport = { adopted: [], cleaned: [] };
    // a local sandbox dies with the server that made it; one still found is still dying
    const adoptable = provider.capabilities().persistent;
    for (const row of await this.store.listSandboxes()) {
      if (row.provider !== provider.name) continue;
      const found = await provider.get(row.id, signal ? { signal } : {});
      if (found && adoptable) report.adopted.push(row.id);
      else {
        await provider.delete(row.id).catch(() => undefined);
        await this.store.deleteSandbox(row.id);
        report.cleaned.push(row.id);
      }
    }
    return report;
  }

  /** On shutdown: local sandboxes cannot outlive this process, so they are deleted. */
  async closeOwned(): Promise<void> {
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
    const provider = this.provider();
    if (provider.capabilities().persistent) return;
    for (const row of await this.store.listSandboxes()) {
      if (row.provider !== provider.name) continue;
      await provider.delete(row.id).catch(() => undefined);
      await this.store.deleteSandbox(row.id);
    }
  }
}
