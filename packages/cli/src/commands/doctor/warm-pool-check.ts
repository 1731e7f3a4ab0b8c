import { createAgentSandboxClient } from '@corral/agent-sandbox';
import type { SandboxWarmPool } from '@corral/agent-sandbox';
import { kubeFailure } from './kube-error.js';
import type { Check, CheckOutcome, DoctorState } from './types.js';

interface PoolHealth {
  name: string;
  template: string;
  replicas: number;
  readyReplicas: number;
  templateExists: boolean;
}

/**
 * Warm pools in the namespace (or the one named by --warm-pool): the template exists, and
 * `readyReplicas` has caught up with `replicas`.
 */
export const warmPoolCheck: Check = {
  id: 'warm-pool',
  title: 'warm pool',
  needs: ['crds', 'namespace'],
  async run(state, signal): Promise<CheckOutcome> {
    const kube = state.kube!;
    const client = createAgentSandboxClient({
      kubeConfig: kube.kubeConfig,
      namespace: kube.namespace,
      apiVersion: state.extensionsVersion ?? 'auto',
      retry: false,
    });
    const ns = kube.namespace;
    const wanted = state.options.warmPool;
    let pools: SandboxWarmPool[];
    try {
      pools =
        wanted === undefined
          ? ((await client.warmPools.list({ signal })).items as SandboxWarmPool[])
          : [(await client.warmPools.get(wanted, { signal })) as SandboxWarmPool];
    } catch (error) {
      const failure = kubeFailure(error);
      if (failure.code === 'NOT_FOUND' && wanted !== undefined) {
        return {
          status: 'fail',
          detail: `SandboxWarmPool ${ns}/${wanted} does not exist`,
          fix: `Create it: \`corral pool create ${wanted} --template <template> --replicas 2 -n ${ns}\` (or \`kubectl apply -k deploy/v1beta1\`).`,
        };
      }
      return {
        status: failure.code === 'FORBIDDEN' ? 'warn' : 'fail',
        detail: `reading warm pools in ${ns} failed: ${failure.message}`,
        fix: `Check with \`kubectl -n ${ns} get sandboxwarmpools\`.`,
      };
    }
    if (pools.length === 0) {
      return {
        status: 'warn',
        detail: `no SandboxWarmPool in ${ns}; every sandbox needs one to claim from`,
        fix: `Apply Corral's pool and template (\`kubectl apply -k deploy/v1beta1\`) or run \`corral template apply <name> -n ${ns}\` and \`corral pool create <name> --template <name> --replicas 2 -n ${ns}\`.`,
      };
    }
    const health = await Promise.all(pools.map((pool) => poolHealth(state, client, pool, signal)));
    const data = { namespace: ns, pools: health };
    const missing = health.filter((p) => !p.templateExists);
    const summary = health
      .map((p) => `${p.name} ${p.readyReplicas}/${p.replicas} ready (template ${p.template})`)
      .join('; ');
    if (missing.length > 0) {
      return {
        status: 'fail',
        detail: `${summary}; template missing for ${missing.map((p) => p.name).join(', ')}`,
        fix: `Create the template: \`corral template apply ${missing[0]!.template} -n ${ns}\` (or apply deploy/v1beta1/sandboxtemplate.yaml).`,
        data,
      };
    }
    const behind = health.filter((p) => p.readyReplicas < p.replicas);
    if (behind.length > 0) {
      return {
        status: 'warn',
        detail: `${summary}; not all warm sandboxes are ready yet`,
        fix: `If this persists, see why: \`kubectl -n ${ns} get sandboxes,pods\` and \`kubectl -n ${ns} describe sandboxwarmpool ${behind[0]!.name}\`.`,
        data,
      };
    }
    return { status: 'ok', detail: summary, data };
  },
};

async function poolHealth(
  _state: DoctorState,
  client: ReturnType<typeof createAgentSandboxClient>,
  pool: SandboxWarmPool,
  signal: AbortSignal,
): Promise<PoolHealth> {
  const template = pool.spec.sandboxTemplateRef.name;
  let templateExists = true;
  try {
    await client.templates.get(template, { signal });
  } catch (error) {
    if (kubeFailure(error).code !== 'NOT_FOUND') throw error;
    templateExists = false;
  }
  return {
    name: pool.metadata.name ?? '',
    template,
    replicas: pool.spec.replicas ?? 1,
    readyReplicas: pool.status?.readyReplicas ?? 0,
    templateExists,
  };
}
