import { Sandbox, compact } from '@corral/sdk';
import type { SandboxProvider } from '@corral/sdk';
import type { CliContext } from '../context.js';
import type { KubeFlags } from './flags.js';

/** Where a Kubernetes sandbox comes from, from `--warm-pool` / `--template`. */
export interface KubePlacementFlags extends KubeFlags {
  warmPool?: string;
  template?: string;
}

/** Opens the SDK's Kubernetes provider with the kubectl-like flags (loaded on first use only). */
export async function openKubernetesProvider(
  flags: KubePlacementFlags,
  ctx: Pick<CliContext, 'env'>,
): Promise<SandboxProvider> {
  // client-node and the agent-sandbox client load here, never for a local command
  const [{ loadKube }, { createKubernetesProvider }] = await Promise.all([
    import('./connect.js'),
    import('@corral/sdk/kubernetes'),
  ]);
  const loaded = loadKube(flags, ctx);
  return createKubernetesProvider(
    compact({
      kubeConfig: loaded.kubeConfig,
      namespace: loaded.namespace,
      env: { ...ctx.env },
      warmPool: flags.warmPool,
      template: flags.template,
    }),
  );
}

/**
 * The context a command sees: `--provider kubernetes` opens the Kubernetes provider with this
 * command's flags, and `sandbox create` needs no keeper process there (the claim lives in the
 * cluster until `sandbox rm` or its max lifetime). Every other provider is the caller's.
 */
export function withKubernetes(ctx: CliContext, flags: KubePlacementFlags): CliContext {
  return {
    ...ctx,
    openProvider: (name, variant) =>
      name === 'kubernetes' ? openKubernetesProvider(flags, ctx) : ctx.openProvider(name, variant),
    createDetached: async (name, options) => {
      if (name !== 'kubernetes') return ctx.createDetached(name, options);
      const provider = await openKubernetesProvider(flags, ctx);
      try {
        const sandbox = await Sandbox.create({ ...options, provider, signal: ctx.signal });
        return sandbox.cachedInfo;
      } finally {
        await provider.close();
      }
    },
  };
}
