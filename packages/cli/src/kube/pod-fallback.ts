import { Sandbox } from '@corral/sdk';
import type { SandboxProvider } from '@corral/sdk';

/** The parts of the SDK's Kubernetes provider the CLI uses beyond the provider interface. */
export interface PodAccess {
  exec(
    id: string,
    argv: readonly string[],
    options?: { timeoutMs?: number; signal?: AbortSignal },
  ): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  logs(id: string, options?: { signal?: AbortSignal }): AsyncIterable<string>;
}

export function podAccess(provider: SandboxProvider): PodAccess | undefined {
  const candidate = provider as Partial<PodAccess>;
  return typeof candidate.exec === 'function' && typeof candidate.logs === 'function'
    ? (candidate as PodAccess)
    : undefined;
}

/**
 * Connects to a Kubernetes sandbox's runner, or returns `undefined` when the runner cannot be
 * reached (no route from here, port-forward refused), so the caller can use the pods/exec API
 * instead. Nothing has run yet at that point, so falling back never runs a command twice.
 */
export async function connectRunner(
  id: string,
  provider: SandboxProvider,
  signal: AbortSignal,
): Promise<Sandbox | undefined> {
  try {
    const sandbox = await Sandbox.connect(id, { provider, signal });
    await sandbox.commands.list({ signal });
    return sandbox;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (signal.aborted || (code !== 'CONNECTION_FAILED' && code !== 'CONNECTION_ERROR'))
      throw error;
    return undefined;
  }
}
