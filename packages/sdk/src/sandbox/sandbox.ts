import { compact } from '../compact.js';
import { IsolationUnavailableError, SandboxNotFoundError } from '../errors.js';
import type { ProvisionedSandbox, SandboxInfo, SandboxProvider } from '../provider.js';
import { RunnerClient } from '../runner-client/index.js';
import { asTimeout, cleanupSignal, deadlineSignal, throwIfAborted } from './abort.js';
import { defaultRegistry } from './default-registry.js';
import { providerCreateOptions } from './create-options.js';
import type {
  SandboxCallOptions,
  SandboxConnectOptions,
  SandboxCreateOptions,
  SandboxListOptions,
} from './types.js';

/**
 * One sandbox: commands, files and tasks through its runner, lifecycle through its provider.
 *
 * @example
 * await using sandbox = await Sandbox.create({ network: 'none' });
 * const { exitCode, stdout } = await sandbox.commands.run(['echo', 'hi']);
 */
export class Sandbox implements AsyncDisposable {
  readonly id: string;
  /** The provider that made the sandbox (shared with every other sandbox of that provider). */
  readonly provider: SandboxProvider;
  /** Run and attach to processes: `run`, `list`, `connect`. */
  readonly commands: RunnerClient['commands'];
  /** Files under the sandbox's work directory. */
  readonly files: RunnerClient['files'];
  /** Commands on a pseudo-terminal (`create`, then `sendInput`, `resize`, `wait`, `kill`). */
  readonly pty: RunnerClient['pty'];
  /** The one-task-per-sandbox protocol: `submit`, `get`, `wait`. */
  readonly tasks: RunnerClient['tasks'];
  /** The runner client itself, for calls the facade does not wrap (e.g. `health()`). */
  readonly runner: RunnerClient;

  #info: SandboxInfo;
  #killed: Promise<void> | undefined;

  private constructor(
    provider: SandboxProvider,
    provisioned: ProvisionedSandbox,
    runner: RunnerClient,
  ) {
    this.id = provisioned.info.id;
    this.provider = provider;
    this.runner = runner;
    this.commands = runner.commands;
    this.files = runner.files;
    this.pty = runner.pty;
    this.tasks = runner.tasks;
    this.#info = provisioned.info;
  }

  /**
   * Provisions a sandbox and waits until its runner answers. If any step fails (or `signal`
   * fires, or `timeoutMs` passes) the half-made sandbox is deleted before the error is thrown.
   */
  static async create(options: SandboxCreateOptions = {}): Promise<Sandbox> {
    throwIfAborted(options.signal, 'Sandbox.create');
    const providerOptions = providerCreateOptions(options);
    const provider = await defaultRegistry.resolve(
      options.provider,
      options.isolation === undefined ? {} : { isolation: options.isolation },
    );
    const budget = deadlineSignal(options.signal, options.timeoutMs);
    let provisioned: ProvisionedSandbox | undefined;
    try {
      provisioned = await provider.create({
        ...providerOptions,
        ...compact({ signal: budget.signal }),
      });
      checkIsolation(options, provisioned.info);
      const runner = new RunnerClient(provisioned.endpoint);
      await runner.health(budget.signal ? { signal: budget.signal } : {});
      return new Sandbox(provider, provisioned, runner);
    } catch (error) {
      if (provisioned) await deleteQuietly(provider, provisioned.info.id, error);
      throw asTimeout(error, budget.timedOut(), 'Sandbox.create', options.timeoutMs);
    }
  }

  /** Attaches to an existing sandbox by id, e.g. one made by another process or `corral sandbox create`. */
  static async connect(id: string, options: SandboxConnectOptions = {}): Promise<Sandbox> {
    throwIfAborted(options.signal, 'Sandbox.connect');
    const provider = await defaultRegistry.resolve(options.provider);
    const provisioned = await provider.get(id, signalOnly(options));
    if (!provisioned) throw notFound(id, provider);
    return new Sandbox(provider, provisioned, new RunnerClient(provisioned.endpoint));
  }

  /** The sandboxes a provider knows about (all of them, or those carrying every given label). */
  static async list(options: SandboxListOptions = {}): Promise<SandboxInfo[]> {
    throwIfAborted(options.signal, 'Sandbox.list');
    const provider = await defaultRegistry.resolve(options.provider);
    return provider.list({
      ...compact({ labels: options.labels }),
      ...signalOnly(options),
    });
  }

  /**
   * Deletes a sandbox by id without connecting to it. Idempotent: a missing sandbox is not an error.
   */
  static async kill(id: string, options: SandboxConnectOptions = {}): Promise<void> {
    throwIfAborted(options.signal, 'Sandbox.kill');
    const provider = await defaultRegistry.resolve(options.provider);
    await provider.delete(id, signalOnly(options));
  }

  /**
   * Closes the providers this process made by name (the local warm pool, watches). Sandboxes
   * that were created stay as they are; kill them first if they should go.
   */
  static async shutdown(): Promise<void> {
    await defaultRegistry.closeAll();
  }

  /** Fresh state from the provider: isolation level, the limits actually applied, labels. */
  async info(options: SandboxCallOptions = {}): Promise<SandboxInfo> {
    throwIfAborted(options.signal, 'sandbox.info');
    const provisioned = await this.provider.get(this.id, signalOnly(options));
    if (!provisioned) throw notFound(this.id, this.provider);
    this.#info = provisioned.info;
    return provisioned.info;
  }

  /** The info from creation or the last `info()` call, without asking the provider. */
  get cachedInfo(): SandboxInfo {
    return this.#info;
  }

  /** Deletes the sandbox and everything in it. Idempotent; concurrent calls share one delete. */
  async kill(options: SandboxCallOptions = {}): Promise<void> {
    this.#killed ??= this.#kill(options).catch((error: unknown) => {
      this.#killed = undefined;
      throw error;
    });
    await this.#killed;
  }

  async #kill(options: SandboxCallOptions): Promise<void> {
    throwIfAborted(options.signal, 'sandbox.kill');
    await this.provider.delete(this.id, signalOnly(options));
    this.runner.close();
  }

  /** `await using sandbox = await Sandbox.create()` kills the sandbox when the scope ends. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.kill({ signal: cleanupSignal() });
  }
}

function signalOnly(options: { signal?: AbortSignal }): { signal?: AbortSignal } {
  return options.signal ? { signal: options.signal } : {};
}

function notFound(id: string, provider: SandboxProvider): SandboxNotFoundError {
  return new SandboxNotFoundError(
    `Sandbox ${JSON.stringify(id)} does not exist in the ${provider.name} provider (deleted, expired, or never created). List existing sandboxes with Sandbox.list().`,
  );
}

/** When the caller named an isolation level, a sandbox with a different one is a failed create. */
function checkIsolation(options: SandboxCreateOptions, info: SandboxInfo): void {
  if (options.isolation === undefined || info.isolation.level === options.isolation) return;
  throw new IsolationUnavailableError(
    `Isolation ${JSON.stringify(options.isolation)} was requested but the ${info.provider} provider gave ${JSON.stringify(info.isolation.level)}. Install what that level needs, or omit isolation to use the strongest available.`,
  );
}

async function deleteQuietly(
  provider: SandboxProvider,
  id: string,
  original: unknown,
): Promise<void> {
  try {
    await provider.delete(id, { signal: cleanupSignal() });
  } catch (cleanupError) {
    // The caller must see the original error; a failed rollback is reported, not swallowed.
    process.emitWarning(
      `Sandbox.create failed (${original instanceof Error ? original.message : String(original)}) and deleting the half-made sandbox ${id} failed too: ${cleanupError instanceof Error ? cleanupError.message : String(cleanupError)}`,
      { code: 'CORRAL_ROLLBACK_FAILED' },
    );
  }
}
