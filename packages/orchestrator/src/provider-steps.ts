/**
 * What the orchestrator asks of a provider besides create/get/delete, through the optional
 * members of `SandboxProvider` only: the create options carrying Corral's owner and task id, and
 * the sandbox's own log when the provider has one. No provider is recognised by its type.
 */
import { compact, type ProviderCreateOptions, type SandboxProvider } from '@corral/sdk';
import type { OrchestratorOptions, Task } from './types.js';

export function createOptionsFor(
  task: Task,
  sandboxId: string,
  owner: string,
  defaults: OrchestratorOptions['sandboxDefaults'],
  timeoutMs: number | undefined,
  signal: AbortSignal,
): ProviderCreateOptions {
  return {
    ...defaults,
    id: sandboxId,
    labels: { ...defaults?.labels, ...task.labels },
    owner,
    taskId: task.taskID,
    ...compact({ timeoutMs }),
    signal,
  };
}

/** The sandbox's own log (tail of at most `maxBytes`), or undefined when the provider has none. */
export async function sandboxLogTail(
  provider: SandboxProvider,
  id: string,
  maxBytes: number,
  signal: AbortSignal,
): Promise<string | undefined> {
  if (provider.logs === undefined) return undefined;
  let text = '';
  for await (const line of provider.logs(id, { signal })) {
    text += `${line}\n`;
    if (text.length > 2 * maxBytes) text = text.slice(-maxBytes);
  }
  return text.length > maxBytes ? text.slice(-maxBytes) : text;
}
