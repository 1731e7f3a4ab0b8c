import { createAgentSandboxClient, loadKubeConfig } from '@corral/agent-sandbox';
import type { AgentSandboxClient, LoadedKubeConfig } from '@corral/agent-sandbox';
import { compact } from '@corral/sdk';
import type { CliContext } from '../context.js';
import { toCliError } from './errors.js';
import type { KubeFlags } from './flags.js';

export interface KubeConnection {
  loaded: LoadedKubeConfig;
  client: AgentSandboxClient;
  /** `-n`, else the context's namespace, else `default`. */
  namespace: string;
}

/** Loads the kubeconfig the way kubectl does, honouring `--kubeconfig`, `--context` and `-n`. */
export function loadKube(flags: KubeFlags, ctx: Pick<CliContext, 'env'>): LoadedKubeConfig {
  try {
    return loadKubeConfig(
      compact({
        env: { ...ctx.env },
        kubeconfigPath: flags.kubeconfig,
        context: flags.context,
        namespace: flags.namespace,
      }),
    );
  } catch (error) {
    throw toCliError(error, 'Loading the Kubernetes configuration');
  }
}

/** An agent-sandbox client for one command; the served API version is discovered on first use. */
export function connectKube(flags: KubeFlags, ctx: Pick<CliContext, 'env'>): KubeConnection {
  const loaded = loadKube(flags, ctx);
  const client = createAgentSandboxClient({
    kubeConfig: loaded.kubeConfig,
    namespace: loaded.namespace,
    fieldManager: 'corral',
    apiVersion: 'auto',
  });
  return { loaded, client, namespace: loaded.namespace };
}
