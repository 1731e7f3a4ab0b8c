/** Test helpers: a local provider in a temporary state dir, and provider wrappers that misbehave. */
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  AbortedError,
  createLocalProvider,
  type LocalProvider,
  type ProvisionedSandbox,
  type SandboxProvider,
} from '@corral/sdk';

export interface LocalFixture {
  provider: LocalProvider;
  stateDir: string;
  /** Ids of every sandbox still on disk (all of them, whatever their labels). */
  remaining(): Promise<string[]>;
  dispose(): Promise<void>;
}

export async function localFixture(): Promise<LocalFixture> {
  // under /var/lib so a root test run's dropped uids can traverse it (see sdk local state.ts)
  const base = process.getuid?.() === 0 ? '/var/lib' : '/tmp';
  const stateDir = await mkdtemp(join(base, 'corral-orch-test-'));
  const provider = createLocalProvider({ stateDir });
  return {
    provider,
    stateDir,
    remaining: async () => (await provider.list()).map((i) => i.id),
    dispose: async () => {
      for (const info of await provider.list()) await provider.delete(info.id);
      await provider.close();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

/** Delegates to `inner`; `override` replaces single methods. */
export function wrapProvider(
  inner: SandboxProvider,
  override: Partial<Pick<SandboxProvider, 'create' | 'get' | 'list' | 'delete'>>,
): SandboxProvider {
  return {
    name: inner.name,
    capabilities: () => inner.capabilities(),
    create: override.create ?? ((o) => inner.create(o)),
    get: override.get ?? ((id, o) => inner.get(id, o)),
    list: override.list ?? ((o) => inner.list(o)),
    delete: override.delete ?? ((id, o) => inner.delete(id, o)),
    close: () => Promise.resolve(),
  };
}

/**
 * A provider whose calls can be frozen: after `freeze()`, `create`, `get`, `list` and `delete`
 * never settle. Simulates an orchestrator process that was killed: whatever it was doing stops,
 * and nothing it would have cleaned up gets cleaned up. Everything else (a Kubernetes
 * provider's `client`, `logs`) passes through unchanged.
 */
export function freezable<P extends SandboxProvider>(inner: P): P & { freeze(): void } {
  let frozen = false;
  const never = <T>(): Promise<T> => new Promise<T>(() => undefined);
  const gated = new Set<PropertyKey>(['create', 'get', 'list', 'delete']);
  return new Proxy(inner, {
    get(target, property, receiver) {
      if (property === 'freeze') {
        return () => {
          frozen = true;
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      if (!gated.has(property) || typeof value !== 'function') {
        return typeof value === 'function' ? (value.bind(target) as unknown) : value;
      }
      return (...args: unknown[]) =>
        frozen
          ? never()
          : (value.apply(target, args) as Promise<unknown>).then((r) => (frozen ? never() : r));
    },
  }) as P & { freeze(): void };
}

/** Resolves once the task reached `phase`; fails if it finished before. */
export async function untilPhase(
  orch: { get(id: string): { phase: string; status: string; record?: unknown } | undefined },
  taskID: string,
  phase: string,
): Promise<void> {
  for (;;) {
    const summary = orch.get(taskID);
    if (summary?.phase === phase) return;
    if (summary?.status === 'finished') {
      throw new Error(
        `task ${taskID} finished before phase ${phase}: ${JSON.stringify(summary.record)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Resolves when `signal` aborts, rejecting as an aborted create would. */
export function untilAborted(signal: AbortSignal | undefined): Promise<never> {
  return new Promise((_, reject) => {
    const fail = () => reject(new AbortedError('create aborted', { cause: signal?.reason }));
    if (signal?.aborted) fail();
    else signal?.addEventListener('abort', fail, { once: true });
  });
}

export type { ProvisionedSandbox };
