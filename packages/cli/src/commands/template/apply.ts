import { EXTENSIONS_GROUP, buildSandboxTemplate, runnerFromConfigMap } from '@corral/agent-sandbox';
import type { KubeObject } from '@corral/agent-sandbox';
import type { V1ConfigMap } from '@kubernetes/client-node';
import { InvalidArgumentError, compact } from '@corral/sdk';
import type { CliContext } from '../../context.js';
import { connectKube } from '../../kube/connect.js';
import { toCliError } from '../../kube/errors.js';
import type { KubeFlags } from '../../kube/flags.js';
import { outputFormat } from '../../kube/output-format.js';
import { printAction, printObjects } from '../../kube/output.js';
import { parsePositiveInteger } from '../../parse/number.js';
import { oneShotRestartProblem, templatePodSpec } from '../../kube/runner-restart-policy.js';
import { loadTemplateManifests } from './load-manifests.js';
import { ensureRunnerConfigMap } from './runner-config-map.js';
import { agentTemplateParts, type AgentTemplateParts } from './agent-template.js';

export interface TemplateApplyFlags extends KubeFlags {
  filename?: string;
  image?: string;
  port?: string;
  runtimeClass?: string;
  /** An agent image's template (`agent-template.ts`). */
  agent?: string;
  apiKeySecret?: string;
  modelUrl?: string;
  forceConflicts: boolean;
  output?: string;
  json: boolean;
}

/**
 * `corral template apply -f file.yaml` or `corral template apply NAME --image IMG`: server-side
 * apply (field manager `corral`) of SandboxTemplates, validated before anything is sent.
 */
export async function templateApplyCommand(
  name: string | undefined,
  flags: TemplateApplyFlags,
  ctx: CliContext,
): Promise<number> {
  const format = outputFormat(flags);
  if ((name === undefined) === (flags.filename === undefined)) {
    throw new InvalidArgumentError(
      name === undefined
        ? 'Give a template file with -f file.yaml, or a NAME with --image to build one.'
        : 'Give either a NAME (with --image) or -f file.yaml, not both.',
    );
  }
  if (name === undefined && (flags.image ?? flags.port ?? flags.runtimeClass) !== undefined) {
    throw new InvalidArgumentError(
      '--image, --port and --runtime-class build a template; with -f the file says everything.',
    );
  }
  if (flags.agent === undefined && (flags.apiKeySecret ?? flags.modelUrl) !== undefined) {
    throw new InvalidArgumentError(
      '--api-key-secret and --model-url belong to an agent template; add --agent claude-code or --agent codex.',
    );
  }
  if (name === undefined && flags.agent !== undefined) {
    throw new InvalidArgumentError(
      '--agent builds a template: give a NAME (corral template apply NAME --agent claude-code), not -f.',
    );
  }
  const agent: AgentTemplateParts | undefined =
    flags.agent === undefined
      ? undefined
      : agentTemplateParts(
          compact({
            agent: flags.agent,
            apiKeySecret: flags.apiKeySecret,
            modelUrl: flags.modelUrl,
            image: flags.image,
          }),
        );
  const port =
    flags.port === undefined ? undefined : parsePositiveInteger(flags.port, '--port', '8888');
  // Everything local is checked before the cluster is contacted.
  const manifests =
    flags.filename === undefined
      ? undefined
      : await loadTemplateManifests(flags.filename, ctx.stdin);
  const { client, namespace } = connectKube(flags, ctx);
  const applied: KubeObject[] = [];
  let bundle: { configMap: V1ConfigMap; action: string } | undefined;
  let current = name ?? '';
  try {
    const served =
      (await client.servedVersions({ signal: ctx.signal })).groups[EXTENSIONS_GROUP]?.served ?? [];
    const objects: KubeObject[] = [];
    if (manifests === undefined) {
      const version = await client.templates.apiVersion();
      // Without --image, a stock Node image runs the runner from a ConfigMap made here.
      if (flags.image === undefined && agent === undefined) {
        current = `runner ConfigMap for ${name!}`;
        bundle = await ensureRunnerConfigMap(client.kubeConfig, namespace, ctx.signal);
      }
      objects.push(
        buildSandboxTemplate({
          name: name!,
          namespace,
          version,
          labels: { 'app.kubernetes.io/managed-by': 'corral', ...agent?.labels },
          ...(agent !== undefined
            ? // serve: an agent run makes many runner calls (workspace, agent, diff), not one task
              {
                image: agent.image,
                env: agent.env,
                args: ['--mode', 'serve', '--port', String(port ?? 8888)],
              }
            : bundle === undefined
              ? { image: flags.image! }
              : runnerFromConfigMap(bundle.configMap.metadata!.name!)),
          ...compact({ port, runtimeClassName: flags.runtimeClass }),
        }),
      );
    } else {
      for (const { object, source } of manifests) {
        const version = object.apiVersion.split('/')[1] ?? '';
        if (!(served as string[]).includes(version)) {
          throw new InvalidArgumentError(
            `${source}: the cluster does not serve ${object.apiVersion} (it serves ${served.join(', ') || 'no agent-sandbox extensions version'}); ` +
              `use the manifests under deploy/${served[0] ?? 'v1beta1'}.`,
          );
        }
        const ns = object.metadata.namespace;
        if (ns !== undefined && flags.namespace !== undefined && ns !== flags.namespace) {
          throw new InvalidArgumentError(
            `${source}: the namespace in the file (${ns}) does not match -n ${flags.namespace}; drop one of them.`,
          );
        }
        // A template Corral did not build may restart the one-shot runner forever (D1).
        const problem = oneShotRestartProblem(object.metadata.name ?? '', templatePodSpec(object));
        if (problem !== undefined)
          ctx.stderr.write(`warning: ${source}: ${problem.text}. ${problem.fix}\n`);
        objects.push(object);
      }
    }
    for (const object of objects) {
      current = object.metadata?.name ?? '';
      applied.push(
        await client.templates.apply(object as never, {
          namespace: object.metadata?.namespace ?? namespace,
          force: flags.forceConflicts,
          signal: ctx.signal,
        }),
      );
    }
  } catch (error) {
    throw toCliError(error, `Applying SandboxTemplate ${current}`.trimEnd(), ctx.signal);
  } finally {
    client.close();
  }
  if (bundle !== undefined && format === 'table') {
    printAction(ctx, format, bundle.configMap, bundle.action);
  }
  if (applied.length === 1) printAction(ctx, format, applied[0]!, 'serverside-applied');
  else if (format === 'table')
    for (const object of applied) printAction(ctx, format, object, 'serverside-applied');
  else
    printObjects(
      ctx,
      format,
      applied,
      { headers: [], row: () => [], empty: '' },
      { single: false },
    );
  if (agent !== undefined && format === 'table') {
    // the template names the Secret; the key itself goes in by kubectl, never through Corral
    ctx.stderr.write(
      `The pods read ${agent.env[0]!.name} from Secret ${namespace}/${agent.secret.name} (key ${agent.secret.key}); ` +
        `create it if it is not there: kubectl create secret generic ${agent.secret.name} -n ${namespace} --from-literal=${agent.secret.key}=<key>\n`,
    );
  }
  return 0;
}
