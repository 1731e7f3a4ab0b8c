import { AppsV1Api, CoreV1Api, NodeV1Api } from '@kubernetes/client-node';
import type { V1Container } from '@kubernetes/client-node';
import { compact } from '@corral/sdk';
import { withSignal } from '../../kube/call-options.js';
import { DEPLOY_DOC, INSTALL_FIX, attempt } from './kube-error.js';
import type { Check, CheckOutcome } from './types.js';

export const CONTROLLER_NAMESPACE = 'agent-sandbox-system';
export const CONTROLLER_NAME = 'agent-sandbox-controller';

interface Workload {
  kind: 'Deployment' | 'StatefulSet';
  name: string;
  desired: number;
  ready: number;
  containers: V1Container[];
  /** The `corral.dev/simulated` annotation: set by the @corral/testing playground. */
  simulated: string | undefined;
}

const SIMULATED_ANNOTATION = 'corral.dev/simulated';

/**
 * The agent-sandbox controller (a Deployment, or a StatefulSet in some releases) in
 * agent-sandbox-system, Ready, and started with `--extensions` (without it the claim, template
 * and warm-pool controllers do not run and claims never become Ready).
 */
export const controllerCheck: Check = {
  id: 'controller',
  title: 'agent-sandbox controller',
  needs: ['cluster'],
  async run(state, signal): Promise<CheckOutcome> {
    const apps = state.kube!.kubeConfig.makeApiClient(AppsV1Api);
    const options = withSignal(signal);
    const [deployments, statefulSets] = await Promise.all([
      attempt(() => apps.listNamespacedDeployment({ namespace: CONTROLLER_NAMESPACE }, options)),
      attempt(() => apps.listNamespacedStatefulSet({ namespace: CONTROLLER_NAMESPACE }, options)),
    ]);
    const forbidden = [deployments, statefulSets].some(
      (r) => !r.ok && r.failure.code === 'FORBIDDEN',
    );
    const workloads: Workload[] = [
      ...(deployments.ok
        ? deployments.value.items.map((d) => ({
            kind: 'Deployment' as const,
            name: d.metadata?.name ?? '',
            desired: d.spec?.replicas ?? 1,
            ready: d.status?.readyReplicas ?? 0,
            containers: d.spec?.template.spec?.containers ?? [],
            simulated: d.metadata?.annotations?.[SIMULATED_ANNOTATION],
          }))
        : []),
      ...(statefulSets.ok
        ? statefulSets.value.items.map((s) => ({
            kind: 'StatefulSet' as const,
            name: s.metadata?.name ?? '',
            desired: s.spec?.replicas ?? 1,
            ready: s.status?.readyReplicas ?? 0,
            containers: s.spec?.template.spec?.containers ?? [],
            simulated: s.metadata?.annotations?.[SIMULATED_ANNOTATION],
          }))
        : []),
    ];
    const controller =
      workloads.find((w) => w.name === CONTROLLER_NAME) ??
      workloads.find((w) => w.containers.some((c) => (c.image ?? '').includes(CONTROLLER_NAME)));
    if (controller === undefined) {
      if (forbidden) {
        return {
          status: 'warn',
          detail: `cannot see workloads in ${CONTROLLER_NAMESPACE} (forbidden by RBAC); not checked`,
          fix: `Ask a cluster admin to run \`kubectl -n ${CONTROLLER_NAMESPACE} get deploy ${CONTROLLER_NAME} -o yaml\` and check it is Ready with --extensions.`,
        };
      }
      const failed = [deployments, statefulSets].find((r) => !r.ok);
      if (failed !== undefined && !failed.ok) {
        return {
          status: 'fail',
          detail: `listing workloads in ${CONTROLLER_NAMESPACE} failed: ${failed.failure.message}`,
          fix: `Check with \`kubectl -n ${CONTROLLER_NAMESPACE} get deploy,sts\`.`,
        };
      }
      return {
        status: 'fail',
        detail: `no ${CONTROLLER_NAME} Deployment or StatefulSet in ${CONTROLLER_NAMESPACE}`,
        fix: INSTALL_FIX,
      };
    }
    const args = controller.containers.flatMap((c) => [...(c.command ?? []), ...(c.args ?? [])]);
    const extensions = extensionsFlag(args);
    const where = `${controller.kind} ${CONTROLLER_NAMESPACE}/${controller.name}`;
    const data = compact({
      kind: controller.kind,
      name: controller.name,
      readyReplicas: controller.ready,
      replicas: controller.desired,
      extensions,
      images: controller.containers.map((c) => c.image),
      simulated: controller.simulated,
    });
    if (controller.ready < 1) {
      return {
        status: 'fail',
        detail: `${where}: ${controller.ready}/${controller.desired} ready`,
        fix: `See why it is not running: \`kubectl -n ${CONTROLLER_NAMESPACE} describe ${controller.kind.toLowerCase()} ${controller.name}\` and its pods' logs.`,
        data,
      };
    }
    if (!extensions) {
      return {
        status: 'fail',
        detail: `${where}: ${controller.ready}/${controller.desired} ready, but without --extensions (claims, templates and warm pools are not reconciled)`,
        fix: `Add --extensions to the controller's args (\`kubectl -n ${CONTROLLER_NAMESPACE} edit ${controller.kind.toLowerCase()} ${controller.name}\`; Helm: --set controller.extensions=true), or install sandbox-with-extensions.yaml.`,
        data,
      };
    }
    // The playground fake cluster stands in for the controller and marks its Deployment so.
    const simulated =
      controller.simulated === undefined ? '' : ` (simulated: ${controller.simulated})`;
    return {
      status: 'ok',
      detail: `${where}: ${controller.ready}/${controller.desired} ready, --extensions on${simulated}`,
      data,
    };
  },
};

/** `--extensions`, `--extensions=true` turn it on; `--extensions=false` (or absence) leaves it off. */
function extensionsFlag(args: readonly string[]): boolean {
  let on = false;
  for (const [i, arg] of args.entries()) {
    const match = /^--?extensions(?:=(.*))?$/.exec(arg);
    if (match === null) continue;
    const value =
      match[1] ?? (args[i + 1] === 'true' || args[i + 1] === 'false' ? args[i + 1] : 'true');
    on = value === 'true' || value === '1';
  }
  return on;
}

/** The RuntimeClass the sandbox pods run under (gVisor by default). */
export const runtimeClassCheck: Check = {
  id: 'runtime-class',
  title: 'RuntimeClass',
  needs: ['cluster'],
  async run(state, signal): Promise<CheckOutcome> {
    const name = state.options.runtimeClass;
    const node = state.kube!.kubeConfig.makeApiClient(NodeV1Api);
    const answer = await attempt(() => node.readRuntimeClass({ name }, withSignal(signal)));
    if (answer.ok) {
      return {
        status: 'ok',
        detail: `${name} (handler ${answer.value.handler})`,
        data: { name, handler: answer.value.handler },
      };
    }
    const { code, message } = answer.failure;
    if (code === 'NOT_FOUND') {
      const fix =
        name === 'gvisor'
          ? `Install gVisor on the nodes and apply \`kubectl apply -f deploy/v1beta1/runtimeclass-gvisor.yaml\` (see ${DEPLOY_DOC}#gvisor), or choose another class with --runtime-class.`
          : `Create RuntimeClass ${name} (see ${DEPLOY_DOC}#gvisor), or choose another class with --runtime-class.`;
      return {
        status: 'warn',
        detail: `RuntimeClass ${name} does not exist; sandbox pods that ask for it are rejected`,
        fix,
      };
    }
    return {
      status: 'warn',
      detail: `could not read RuntimeClass ${name}: ${message}`,
      fix: `Check with \`kubectl get runtimeclass ${name}\`.`,
    };
  },
};

/** The namespace claims go to. */
export const namespaceCheck: Check = {
  id: 'namespace',
  title: 'namespace',
  needs: ['cluster'],
  async run(state, signal): Promise<CheckOutcome> {
    const name = state.kube!.namespace;
    const core = state.kube!.kubeConfig.makeApiClient(CoreV1Api);
    const answer = await attempt(() => core.readNamespace({ name }, withSignal(signal)));
    if (answer.ok) {
      const phase = answer.value.status?.phase ?? 'Active';
      if (phase !== 'Active') {
        return {
          status: 'fail',
          detail: `${name} is ${phase}`,
          fix: `Wait for ${name} to finish terminating and recreate it, or use another namespace with -n.`,
        };
      }
      return { status: 'ok', detail: `${name} exists`, data: { name } };
    }
    const { code, message } = answer.failure;
    if (code === 'NOT_FOUND') {
      return {
        status: 'fail',
        detail: `${name} does not exist`,
        fix:
          name === 'corral-sandboxes'
            ? "Apply Corral's manifests: `kubectl apply -k deploy/v1beta1` (see docs/deploy.md)."
            : `Create it (\`kubectl create namespace ${name}\`), or pass -n corral-sandboxes after \`kubectl apply -k deploy/v1beta1\`.`,
      };
    }
    if (code === 'FORBIDDEN') {
      return {
        status: 'warn',
        detail: `cannot read namespace ${name} (forbidden); the permission checks below still apply to it`,
        fix: `Ask a cluster admin to confirm that namespace ${name} exists.`,
      };
    }
    return {
      status: 'fail',
      detail: `reading namespace ${name} failed: ${message}`,
      fix: `Check with \`kubectl get namespace ${name}\`.`,
    };
  },
};
