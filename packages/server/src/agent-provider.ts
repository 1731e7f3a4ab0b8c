/**
 * The provider the agent runner gets. `@corral/agents` (this version) writes Corral's owner and
 * task-id labels itself, which providers refuse as reserved labels; this adapter turns them into
 * the `owner`/`taskId` options they stand for and passes everything else through unchanged.
 */
import {
  CORRAL_LABELS,
  type ProviderCreateOptions,
  type SandboxProvider,
  compact,
} from '@corral/sdk';

export function agentProvider(provider: SandboxProvider, owner: string): SandboxProvider {
  const create = (options: ProviderCreateOptions) => {
    const labels = { ...options.labels };
    const taskId = labels[CORRAL_LABELS.taskId];
    delete labels[CORRAL_LABELS.taskId];
    delete labels[CORRAL_LABELS.owner];
    return provider.create({
      ...options,
      labels,
      owner,
      ...compact({ taskId }),
    });
  };
  return new Proxy(provider, {
    get(target, key, receiver) {
      if (key === 'create') return create;
      const value = Reflect.get(target, key, receiver) as unknown;
      return typeof value === 'function'
        ? (value as (...a: unknown[]) => unknown).bind(target)
        : value;
    },
  });
}
