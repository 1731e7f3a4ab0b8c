import { CorralError, InvalidArgumentError } from '../errors.js';
import type { IsolationLevel, SandboxProvider } from '../provider.js';
import type { ProviderOption } from './types.js';

/** What a named provider is made with; each distinct combination gets its own shared instance. */
export interface ProviderVariant {
  /** Isolation fixed for the provider's sandboxes (the local provider chooses it per instance). */
  isolation?: IsolationLevel;
}

/** Makes a provider the first time its name (and variant) is used in this process. */
export type ProviderFactory = (
  variant: ProviderVariant,
) => SandboxProvider | Promise<SandboxProvider>;

/**
 * Named providers, each created lazily once per process and shared by every `Sandbox` that names
 * it (so one local warm pool serves the whole process). `closeAll()` releases them.
 */
export class ProviderRegistry {
  readonly #factories = new Map<string, ProviderFactory>();
  readonly #instances = new Map<string, Promise<SandboxProvider>>();

  /** Adds or replaces a provider name. Replacing does not close an instance already made. */
  register(name: string, factory: ProviderFactory): void {
    this.#factories.set(name, factory);
    for (const key of this.#instances.keys()) {
      if (key === name || key.startsWith(`${name}#`)) this.#instances.delete(key);
    }
  }

  names(): string[] {
    return [...this.#factories.keys()];
  }

  async resolve(
    option: ProviderOption | undefined,
    variant: ProviderVariant = {},
  ): Promise<SandboxProvider> {
    if (typeof option === 'object' && option !== null) return option;
    const name = option ?? 'local';
    const key = variant.isolation === undefined ? name : `${name}#${variant.isolation}`;
    let instance = this.#instances.get(key);
    if (!instance) {
      const factory = this.#factories.get(name);
      if (!factory) {
        throw new InvalidArgumentError(
          `Unknown sandbox provider ${JSON.stringify(name)}. Use one of: ${this.names().join(', ')}, or pass a SandboxProvider instance.`,
        );
      }
      instance = Promise.resolve(variant).then(factory);
      this.#instances.set(key, instance);
      // A factory that failed (e.g. missing host tools) is retried on the next use, not cached.
      instance.catch(() => {
        if (this.#instances.get(key) === instance) this.#instances.delete(key);
      });
    }
    return instance;
  }

  /** Closes every provider this registry made; the next use makes a fresh one. */
  async closeAll(): Promise<void> {
    const instances = [...this.#instances.values()];
    this.#instances.clear();
    const results = await Promise.allSettled(
      instances.map(async (instance) => {
        // A factory that never produced a provider has nothing to close.
        const provider = await instance.catch(() => undefined);
        await provider?.close();
      }),
    );
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    if (failures.length > 0) {
      throw new CorralError(`Closing ${failures.length} sandbox provider(s) failed.`, {
        code: 'PROVIDER_CLOSE_FAILED',
        cause: failures.length === 1 ? failures[0] : new AggregateError(failures),
      });
    }
  }
}

/** The error for a provider name that is reserved but not implemented yet. */
export function providerNotAvailable(name: string, detail: string): ProviderFactory {
  return () => {
    throw new CorralError(
      `The ${JSON.stringify(name)} sandbox provider is not available yet: ${detail}`,
      {
        code: 'PROVIDER_UNAVAILABLE',
      },
    );
  };
}
