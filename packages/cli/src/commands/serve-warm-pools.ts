/**
 * The warm pools behind the console's Warm pools page and `/api/v1/warm-pools`: the
 * SandboxWarmPools of the settings' kubeconfig context and namespace, read and scaled (through the
 * `/scale` subresource, as `corral pool scale` does) with a client made per call, so a settings
 * change takes effect on the next request. client-node loads on the first call, not with `serve`.
 */
import type { SandboxWarmPool } from '@corral/agent-sandbox/model';
import type { WarmPools, WarmPoolView } from '@corral/server';
import type { CliContext } from '../context.js';

type Kube = Awaited<ReturnType<typeof open>>;

async function open(settings: Parameters<WarmPools['list']>[0], env: CliContext['env']) {
  const { connectKube } = await import('../kube/connect.js');
  const k = settings.kubernetes;
  return connectKube(
    {
      ...(k.context ? { context: k.context } : {}),
      ...(k.namespace ? { namespace: k.namespace } : {}),
    },
    { env },
  );
}

function view(pool: SandboxWarmPool, namespace: string): WarmPoolView {
  return {
    name: pool.metadata.name ?? '',
    namespace: pool.metadata.namespace ?? namespace,
    template: pool.spec.sandboxTemplateRef.name,
    desired: pool.spec.replicas ?? 1,
    ready: pool.status?.readyReplicas ?? 0,
  };
}

async function using<T>(kube: Kube, fn: (kube: Kube) => Promise<T>): Promise<T> {
  try {
    return await fn(kube);
  } finally {
    kube.client.close();
  }
}

export function kubernetesWarmPools(env: CliContext['env']): WarmPools {
  return {
    list: async (settings, signal) =>
      using(await open(settings, env), async ({ client, namespace }) => {
        const pools = await client.warmPools.list({ namespace, signal });
        return (pools.items as SandboxWarmPool[]).map((pool) => view(pool, namespace));
      }),
    scale: async (settings, name, replicas, signal) =>
      using(await open(settings, env), async ({ client, namespace }) => {
        await client.warmPools.scale(name, replicas, { namespace, signal });
        const pool = (await client.warmPools.get(name, { namespace, signal })) as SandboxWarmPool;
        return view(pool, namespace);
      }),
  };
}
