import { readFile } from 'node:fs/promises';
import {
  LABELS,
  RUNNER_BUNDLE_KEY,
  createAgentSandboxClient,
  nameHash,
  runnerBundleSha256,
} from '@corral/agent-sandbox';
import type { SandboxTemplate } from '@corral/agent-sandbox';
import { RUNNER_VERSION, runnerBundlePath } from '@corral/runner';
import { CoreV1Api } from '@kubernetes/client-node';
import { oneShotRestartProblem, runsRunner } from '../../kube/runner-restart-policy.js';
import { kubeFailure } from './kube-error.js';
import { networkPathFindings } from './network-path-findings.js';
import type { Check, CheckOutcome } from './types.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);
const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

/** Waiting reasons that mean the node cannot get the image. */
const IMAGE_FAILURES = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName']);

interface TemplateFinding {
  status: 'ok' | 'warn' | 'fail';
  text: string;
  fix?: string;
}

/**
 * The runner templates in the namespace can start: the runner ConfigMap they mount exists and
 * holds this CLI's runner, a one-shot runner is not restarted forever by `restartPolicy`, no
 * pod of the template is stuck pulling its image, and its NetworkPolicy admits Corral's path.
 */
export const runnerTemplateCheck: Check = {
  id: 'runner-template',
  title: 'runner template',
  needs: ['crds', 'namespace'],
  async run(state, signal): Promise<CheckOutcome> {
    const kube = state.kube!;
    const ns = kube.namespace;
    const client = createAgentSandboxClient({
      kubeConfig: kube.kubeConfig,
      namespace: ns,
      apiVersion: state.extensionsVersion ?? 'auto',
      retry: false,
    });
    const core = kube.kubeConfig.makeApiClient(CoreV1Api);
    let templates: SandboxTemplate[];
    try {
      templates = (await client.templates.list({ signal })).items as SandboxTemplate[];
    } catch (error) {
      const failure = kubeFailure(error);
      return {
        status: failure.code === 'FORBIDDEN' ? 'warn' : 'fail',
        detail: `reading SandboxTemplates in ${ns} failed: ${failure.message}`,
        fix: `Check with \`kubectl -n ${ns} get sandboxtemplates\`.`,
      };
    }
    const bundleSha = runnerBundleSha256(await readFile(runnerBundlePath(), 'utf8'));
    const findings: TemplateFinding[] = [];
    for (const template of templates) {
      const name = template.metadata.name ?? '';
      const podSpec: unknown = template.spec.podTemplate.spec;
      const pod: Obj = isObj(podSpec) ? podSpec : {};
      const runner = list(pod.containers).find(runsRunner);
      if (runner === undefined) continue;
      const found = restartFindings(name, pod);
      const configMap = bundleConfigMap(pod, runner);
      found.push(
        configMap === undefined
          ? { status: 'ok', text: `template ${name}: runner in image ${String(runner.image)}` }
          : await bundleFinding(core, ns, name, configMap, bundleSha, signal),
      );
      found.push(...(await imageFindings(core, ns, name, signal)));
      found.push(...(await networkPathFindings(kube.kubeConfig, ns, template, state.env, signal)));
      findings.push(...found);
    }
    if (findings.length === 0) {
      return {
        status: 'warn',
        detail: `no SandboxTemplate in ${ns} runs the Corral runner`,
        fix: `Create one: \`corral template apply corral-runner -n ${ns}\` (or \`kubectl apply -k deploy/v1beta1\`).`,
      };
    }
    const worst = findings.some((f) => f.status === 'fail')
      ? 'fail'
      : findings.some((f) => f.status === 'warn')
        ? 'warn'
        : 'ok';
    const shown = worst === 'ok' ? findings : findings.filter((f) => f.status !== 'ok');
    const fixes = [...new Set(shown.flatMap((f) => (f.fix === undefined ? [] : [f.fix])))];
    return {
      status: worst,
      detail: shown.map((f) => f.text).join('; '),
      ...(fixes.length > 0 ? { fix: fixes.join(' ') } : {}),
      data: { namespace: ns, runnerVersion: RUNNER_VERSION, runnerSha256: bundleSha, findings },
    };
  },
};

function restartFindings(template: string, pod: Obj): TemplateFinding[] {
  const problem = oneShotRestartProblem(template, pod);
  return problem === undefined ? [] : [{ status: 'warn', ...problem }];
}

/** The ConfigMap mounted where the runner's script lives, if the runner comes from one. */
function bundleConfigMap(pod: Obj, runner: Obj): string | undefined {
  const script = [...strings(runner.command), ...strings(runner.args)].find((a) =>
    a.endsWith(`/${RUNNER_BUNDLE_KEY}`),
  );
  if (script === undefined) return undefined;
  const mount = list(runner.volumeMounts).find(
    (m) =>
      typeof m.mountPath === 'string' && script.startsWith(`${m.mountPath.replace(/\/$/, '')}/`),
  );
  const volume = list(pod.volumes).find((v) => v.name === mount?.name);
  const configMap = isObj(volume?.configMap) ? volume.configMap.name : undefined;
  return typeof configMap === 'string' ? configMap : undefined;
}

async function bundleFinding(
  core: CoreV1Api,
  ns: string,
  template: string,
  name: string,
  bundleSha: string,
  signal: AbortSignal,
): Promise<TemplateFinding> {
  signal.throwIfAborted();
  try {
    const map = await core.readNamespacedConfigMap({ name, namespace: ns });
    const text = map.data?.[RUNNER_BUNDLE_KEY];
    if (text === undefined) {
      return {
        status: 'fail',
        text: `template ${template}: ConfigMap ${name} has no ${RUNNER_BUNDLE_KEY}`,
        fix: `Recreate it: \`corral template apply ${template} -n ${ns}\`.`,
      };
    }
    if (runnerBundleSha256(text) !== bundleSha) {
      const version = map.metadata?.labels?.['corral.dev/runner-version'] ?? 'unknown';
      return {
        status: 'warn',
        text: `template ${template}: ConfigMap ${name} holds another runner (version ${version}) than this CLI's ${RUNNER_VERSION}`,
        fix: `Roll out this CLI's runner: \`corral template apply ${template} -n ${ns}\` (or \`kubectl apply -k deploy/v1beta1\` from the same release).`,
      };
    }
    return {
      status: 'ok',
      text: `template ${template}: runner ${RUNNER_VERSION} from ConfigMap ${name}`,
    };
  } catch (error) {
    const failure = kubeFailure(error);
    if (failure.code !== 'NOT_FOUND') {
      return {
        status: 'warn',
        text: `template ${template}: reading ConfigMap ${name} failed: ${failure.message}`,
        fix: `Check with \`kubectl -n ${ns} get configmap ${name}\`.`,
      };
    }
    return {
      status: 'fail',
      text: `template ${template}: its runner ConfigMap ${name} does not exist, so its pods cannot start`,
      fix: `Create it: \`corral template apply ${template} -n ${ns}\`, or apply the whole set with \`kubectl apply -k deploy/v1beta1\`.`,
    };
  }
}

async function imageFindings(
  core: CoreV1Api,
  ns: string,
  template: string,
  signal: AbortSignal,
): Promise<TemplateFinding[]> {
  signal.throwIfAborted();
  let pods;
  try {
    pods = await core.listNamespacedPod({
      namespace: ns,
      labelSelector: `${LABELS.sandboxTemplateRefHash}=${nameHash(template)}`,
    });
  } catch {
    return []; // listing pods is optional here; the permission checks report it
  }
  for (const pod of pods.items) {
    for (const status of pod.status?.containerStatuses ?? []) {
      const reason = status.state?.waiting?.reason;
      if (reason !== undefined && IMAGE_FAILURES.has(reason)) {
        return [
          {
            status: 'fail',
            text: `template ${template}: pod ${pod.metadata?.name ?? ''} cannot pull image ${status.image} (${reason})`,
            fix:
              'Make the image pullable by the nodes: on kind `kind load docker-image <image>`, on minikube `minikube image load <image>`; ' +
              'the default node:22-slim needs registry access from the nodes.',
          },
        ];
      }
    }
  }
  return [];
}
