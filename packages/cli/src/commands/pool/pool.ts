import { buildSandboxWarmPool } from '@corral/agent-sandbox';
import type { AgentSandboxClient, SandboxWarmPool } from '@corral/agent-sandbox';
import { InvalidArgumentError } from '@corral/sdk';
import type { CliContext } from '../../context.js';
import { connectKube } from '../../kube/connect.js';
import { toCliError } from '../../kube/errors.js';
import type { KubeFlags } from '../../kube/flags.js';
import { outputFormat } from '../../kube/output-format.js';
import { printAction, printObjects } from '../../kube/output.js';
import { parsePositiveInteger } from '../../parse/number.js';

export interface PoolOutputFlags extends KubeFlags {
  output?: string;
  json: boolean;
}

export interface PoolCreateFlags extends PoolOutputFlags {
  template: string;
  replicas: string;
  updateStrategy?: string;
}

export interface PoolScaleFlags extends PoolOutputFlags {
  replicas: string;
}

function parseReplicas(value: string): number {
  if (value === '0') return 0;
  return parsePositiveInteger(value, '--replicas', '2');
}

/** `corral pool create NAME --template T --replicas N`: a SandboxWarmPool in the served version. */
export async function poolCreateCommand(
  name: string,
  flags: PoolCreateFlags,
  ctx: CliContext,
): Promise<number> {
  const format = outputFormat(flags);
  const replicas = parseReplicas(flags.replicas);
  const strategy = flags.updateStrategy;
  if (strategy !== undefined && strategy !== 'Recreate' && strategy !== 'OnReplenish') {
    throw new InvalidArgumentError(
      `--update-strategy must be Recreate or OnReplenish, got ${JSON.stringify(strategy)}.`,
    );
  }
  const { client, namespace } = connectKube(flags, ctx);
  const doing = `Creating warm pool ${namespace}/${name}`;
  try {
    const version = await client.warmPools.apiVersion();
    const pool = buildSandboxWarmPool({
      name,
      namespace,
      template: flags.template,
      replicas,
      version,
      labels: { 'app.kubernetes.io/managed-by': 'corral' },
      ...(strategy === undefined ? {} : { updateStrategy: strategy }),
    });
    await ensureTemplate(client, flags.template, namespace, ctx.signal);
    const created = await client.warmPools.create(pool, {
      namespace,
      signal: ctx.signal,
    });
    printAction(ctx, format, created, 'created');
    return 0;
  } catch (error) {
    const translated = toCliError(error, doing, ctx.signal);
    if (translated.code === 'ALREADY_EXISTS') {
      translated.message += ` Change its size with \`corral pool scale ${name} --replicas N -n ${namespace}\`.`;
    }
    throw translated;
  } finally {
    client.close();
  }
}

/** A pool whose template is missing never fills; say so before creating it. */
async function ensureTemplate(
  client: AgentSandboxClient,
  template: string,
  namespace: string,
  signal: AbortSignal,
): Promise<void> {
  try {
    await client.templates.get(template, { namespace, signal });
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'NOT_FOUND') throw error;
    throw new InvalidArgumentError(
      `SandboxTemplate ${namespace}/${template} does not exist, so the pool could never fill. ` +
        `Create it first: \`corral template apply ${template} --image <runner image> -n ${namespace}\` (or -f file.yaml).`,
    );
  }
}

/** `corral pool scale NAME --replicas N`: through the `/scale` subresource only. */
export async function poolScaleCommand(
  name: string,
  flags: PoolScaleFlags,
  ctx: CliContext,
): Promise<number> {
  const format = outputFormat(flags);
  const replicas = parseReplicas(flags.replicas);
  const { client, namespace } = connectKube(flags, ctx);
  try {
    const scale = await client.warmPools.scale(name, replicas, { namespace, signal: ctx.signal });
    if (format === 'table') {
      ctx.stdout.write(
        `sandboxwarmpool.extensions.agents.x-k8s.io/${name} scaled to ${scale.spec?.replicas ?? replicas}\n`,
      );
    } else {
      printAction(ctx, format, scale, 'scaled');
    }
    return 0;
  } catch (error) {
    throw toCliError(error, `Scaling warm pool ${namespace}/${name}`, ctx.signal);
  } finally {
    client.close();
  }
}

/** `corral pool status [NAME]`: ready/desired per pool, its template and selector. */
export async function poolStatusCommand(
  name: string | undefined,
  flags: PoolOutputFlags,
  ctx: CliContext,
): Promise<number> {
  const format = outputFormat(flags);
  const { client, namespace } = connectKube(flags, ctx);
  try {
    const pools = (
      name === undefined
        ? (await client.warmPools.list({ namespace, signal: ctx.signal })).items
        : [await client.warmPools.get(name, { namespace, signal: ctx.signal })]
    ) as SandboxWarmPool[];
    printObjects(
      ctx,
      format,
      pools,
      {
        headers: ['NAME', 'READY', 'TEMPLATE', 'SELECTOR', 'AGE'],
        row: (pool) => [
          pool.metadata.name ?? '',
          `${pool.status?.readyReplicas ?? 0}/${pool.spec.replicas ?? 1}`,
          pool.spec.sandboxTemplateRef.name,
          pool.status?.selector ?? '<none>',
          age(pool.metadata.creationTimestamp as string | undefined),
        ],
        empty: `No warm pools in namespace ${namespace}. Create one with \`corral pool create NAME --template T --replicas N\`.`,
      },
      { single: name !== undefined },
    );
    return 0;
  } catch (error) {
    throw toCliError(
      error,
      name === undefined
        ? `Listing warm pools in ${namespace}`
        : `Reading warm pool ${namespace}/${name}`,
      ctx.signal,
    );
  } finally {
    client.close();
  }
}

function age(created: string | Date | undefined): string {
  if (created === undefined) return '<unknown>';
  const seconds = Math.max(0, Math.round((Date.now() - new Date(created).getTime()) / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}
