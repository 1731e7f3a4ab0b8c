import type { HealthResponse } from '@corral/runner';
import { compact } from '../compact.js';
import type { RunnerEndpoint } from '../provider.js';
import { Commands } from './commands.js';
import { Files } from './files.js';
import { Pty } from './pty.js';
import { Tasks } from './tasks.js';
import { Transport, type TransportOptions } from './transport.js';

export type RunnerClientOptions = TransportOptions;

/**
 * Talks to one runner (the HTTP server inside a sandbox) over TCP or a unix socket, on one
 * keep-alive connection pool. Call `close()` when done.
 */
export class RunnerClient {
  readonly commands: Commands;
  readonly files: Files;
  /** Commands on a pseudo-terminal: `create`, then `sendInput`, `resize`, `wait`, `kill`. */
  readonly pty: Pty;
  readonly tasks: Tasks;
  private readonly transport: Transport;

  constructor(endpoint: RunnerEndpoint, options: RunnerClientOptions = {}) {
    this.transport = new Transport(endpoint, options);
    this.commands = new Commands(this.transport);
    this.files = new Files(this.transport);
    this.pty = new Pty(this.transport);
    this.tasks = new Tasks(this.transport);
  }

  async health(
    options: { signal?: AbortSignal; timeoutMs?: number } = {},
  ): Promise<HealthResponse> {
    return this.transport.json<HealthResponse>(
      compact({
        method: 'GET',
        path: '/healthz',
        idempotent: true,
        operation: 'health()',
        signal: options.signal,
        timeoutMs: options.timeoutMs,
      }),
    );
  }

  /** Closes pooled connections. Idempotent. */
  close(): void {
    this.transport.close();
  }
}
