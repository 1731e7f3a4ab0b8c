import { randomUUID } from 'node:crypto';
import { Sandbox, compact } from '@corral/sdk';
import type { NetworkOption, SandboxInfo } from '@corral/sdk';
import { LimitExceededError, McpServerError, SandboxNotOwnedError } from './errors.js';
import type { ResolvedMcpOptions } from './options.js';

/** Every sandbox made through the MCP server carries its client session's id here. */
export const SESSION_LABEL = 'mcp.corral.dev/session';

/** Deleting must finish even when the client is gone, so it gets its own deadline. */
const CLEANUP_TIMEOUT_MS = 30_000;

export interface CreateRequest {
  labels?: Record<string, string>;
  maxLifetimeMs?: number;
  network?: NetworkOption;
  timeoutMs?: number;
  signal?: AbortSignal;
}

interface Owned {
  sandbox: Sandbox;
  createdAt: Date;
  expiresAt: Date;
  timer: NodeJS.Timeout;
}

export interface OwnedSandboxInfo {
  id: string;
  createdAt: string;
  expiresAt: string;
  isolation: SandboxInfo['isolation'];
}

/**
 * The sandboxes one MCP client made. A client sees only its own: any other id is refused, the
 * same way upstream checks a session label. Closing the session (client gone, server exit)
 * deletes them, unless the operator asked to keep them.
 */
export class ClientSession {
  readonly id: string;
  readonly #options: ResolvedMcpOptions;
  readonly #owned = new Map<string, Owned>();
  #pending = 0;
  #closed: Promise<void> | undefined;

  constructor(options: ResolvedMcpOptions, id: string = randomUUID()) {
    this.#options = options;
    this.id = id;
  }

  get closed(): boolean {
    return this.#closed !== undefined;
  }

  async create(request: CreateRequest = {}): Promise<Sandbox> {
    this.#assertOpen();
    const limit = this.#options.maxSandboxesPerClient;
    if (this.#owned.size + this.#pending >= limit) {
      throw new LimitExceededError(
        `This client already has ${this.#owned.size + this.#pending} sandboxes (the limit is ${limit}); delete one with delete_sandbox first.`,
      );
    }
    const lifetimeMs = Math.min(
      request.maxLifetimeMs ?? this.#options.maxLifetimeMs,
      this.#options.maxLifetimeMs,
    );
    const defaults = this.#options.sandbox;
    this.#pending++;
    let sandbox: Sandbox;
    try {
      sandbox = await Sandbox.create({
        ...defaults,
        provider: this.#options.provider,
        labels: { ...request.labels, ...defaults.labels, [SESSION_LABEL]: this.id },
        ...compact({ network: request.network }),
        maxLifetimeMs: lifetimeMs,
        timeoutMs: Math.min(
          request.timeoutMs ?? this.#options.createTimeoutMs,
          this.#options.createTimeoutMs,
        ),
        ...compact({ signal: request.signal }),
      });
    } finally {
      this.#pending--;
    }
    if (this.closed) {
      // The client went away while the sandbox was being made: nobody can use it.
      await this.#kill(sandbox);
      throw new McpServerError('The client session closed while the sandbox was being created.', {
        code: 'SESSION_CLOSED',
      });
    }
    const createdAt = new Date();
    // The provider enforces the lifetime too; this timer also forgets the sandbox here.
    const timer = setTimeout(() => void this.delete(sandbox.id).catch(() => {}), lifetimeMs);
    timer.unref();
    this.#owned.set(sandbox.id, {
      sandbox,
      createdAt,
      expiresAt: new Date(createdAt.getTime() + lifetimeMs),
      timer,
    });
    this.#options.log(`created sandbox ${sandbox.id} for session ${this.id}`);
    return sandbox;
  }

  /** The sandbox, if this client made it and it still exists. */
  get(id: string): Sandbox {
    this.#assertOpen();
    const owned = this.#owned.get(id);
    if (!owned) {
      throw new SandboxNotOwnedError(
        `Sandbox ${JSON.stringify(id)} is not one of this client's sandboxes (it was deleted, expired, belongs to another client, or never existed). Create one with create_sandbox; live ones are listed in the sandboxes resource.`,
      );
    }
    return owned.sandbox;
  }

  /** Deletes one of this client's sandboxes; an id that is not the client's is refused. */
  async delete(id: string): Promise<void> {
    const owned = this.#owned.get(id);
    if (!owned) this.get(id);
    if (!owned) return;
    this.#owned.delete(id);
    clearTimeout(owned.timer);
    await owned.sandbox.kill({ signal: AbortSignal.timeout(CLEANUP_TIMEOUT_MS) });
    this.#options.log(`deleted sandbox ${id} of session ${this.id}`);
  }

  list(): OwnedSandboxInfo[] {
    return [...this.#owned.values()].map(({ sandbox, createdAt, expiresAt }) => ({
      id: sandbox.id,
      createdAt: createdAt.toISOString(),
      expiresAt: expiresAt.toISOString(),
      isolation: sandbox.cachedInfo.isolation,
    }));
  }

  /** Deletes every sandbox of the client (unless `keep`). Idempotent. */
  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    const owned = [...this.#owned.values()];
    this.#owned.clear();
    for (const { timer } of owned) clearTimeout(timer);
    if (this.#options.keep) {
      if (owned.length > 0) {
        this.#options.log(
          `session ${this.id} closed; keeping ${owned.map((o) => o.sandbox.id).join(', ')} (--keep)`,
        );
      }
      for (const { sandbox } of owned) sandbox.runner.close();
      return;
    }
    await Promise.all(owned.map(({ sandbox }) => this.#kill(sandbox)));
    if (owned.length > 0)
      this.#options.log(`session ${this.id} closed; deleted ${owned.length} sandbox(es)`);
  }

  async #kill(sandbox: Sandbox): Promise<void> {
    try {
      await sandbox.kill({ signal: AbortSignal.timeout(CLEANUP_TIMEOUT_MS) });
    } catch (error) {
      this.#options.log(
        `could not delete sandbox ${sandbox.id}: ${error instanceof Error ? error.message : String(error)}; remove it with \`corral sandbox rm ${sandbox.id}\``,
      );
    }
  }

  #assertOpen(): void {
    if (this.closed) {
      throw new McpServerError('This client session is closed; reconnect to start a new one.', {
        code: 'SESSION_CLOSED',
      });
    }
  }
}
