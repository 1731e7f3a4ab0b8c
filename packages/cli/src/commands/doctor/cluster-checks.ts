import {
  CORE_GROUP,
  EXTENSIONS_GROUP,
  discoverServedVersions,
  loadKubeConfig,
} from '@corral/agent-sandbox';
import { VersionApi } from '@kubernetes/client-node';
import { compact } from '@corral/sdk';
import { withSignal } from '../../kube/call-options.js';
import { DEPLOY_DOC, INSTALL_FIX, attempt } from './kube-error.js';
import type { Check, CheckOutcome } from './types.js';

/** Finds and loads the kubeconfig (file, context, namespace) the way kubectl would. */
export const kubeconfigCheck: Check = {
  id: 'kubeconfig',
  title: 'kubeconfig',
  run(state) {
    const { options } = state;
    try {
      state.kube = loadKubeConfig(
        compact({
          env: { ...state.env },
          kubeconfigPath: options.kubeconfig,
          context: options.context,
          namespace: options.namespace,
        }),
      );
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const notFound = (error as { code?: unknown }).code === 'CONFIG_NOT_FOUND';
      if (notFound && options.mode === 'auto' && options.kubeconfig === undefined) {
        return Promise.resolve({
          status: 'skip',
          detail:
            'no kubeconfig found; Kubernetes checks skipped (needed only for --provider kubernetes)',
        });
      }
      return Promise.resolve({
        status: 'fail',
        detail: message.split('\n')[0] ?? message,
        fix: 'Point KUBECONFIG or --kubeconfig at a kubeconfig file, or pick a context with --context (`kubectl config get-contexts` lists them).',
      });
    }
    const { source, context, namespace } = state.kube;
    return Promise.resolve({
      status: 'ok',
      detail: `${source} (context ${context}, namespace ${namespace})`,
      data: { source, context, namespace },
    });
  },
};

/** `GET /version`: the API server answers and says what it runs. */
export const clusterCheck: Check = {
  id: 'cluster',
  title: 'cluster reachable',
  needs: ['kubeconfig'],
  async run(state, signal) {
    const kc = state.kube!.kubeConfig;
    const server = kc.getCurrentCluster()?.server ?? '(no server)';
    const answer = await attempt(() =>
      kc.makeApiClient(VersionApi).getCode({}, withSignal(signal)),
    );
    if (!answer.ok) {
      const { code, message } = answer.failure;
      const fix =
        code === 'UNAUTHORIZED'
          ? 'Your credentials were refused: log in again (e.g. refresh your cloud CLI token) or fix the user in the kubeconfig.'
          : /HTTP protocol is not allowed/.test(message)
            ? `The server is plain http: use https, or set \`insecure-skip-tls-verify: true\` on cluster ${kc.getCurrentCluster()?.name ?? ''} in the kubeconfig.`
            : `Check that the cluster at ${server} is running and reachable from here (\`kubectl --context ${state.kube!.context} version\`).`;
      return { status: 'fail', detail: `${server}: ${message}`, fix };
    }
    const version = answer.value;
    return {
      status: 'ok',
      detail: `${server} (Kubernetes ${version.gitVersion})`,
      data: { server, gitVersion: version.gitVersion, platform: version.platform },
    };
  },
};

/** Discovery: which agent-sandbox versions each group serves, and the one Corral will speak. */
export const crdsCheck: Check = {
  id: 'crds',
  title: 'agent-sandbox CRDs',
  needs: ['cluster'],
  async run(state, signal): Promise<CheckOutcome> {
    const answer = await attempt(() => discoverServedVersions(state.kube!.kubeConfig, { signal }));
    if (!answer.ok) {
      return {
        status: 'fail',
        detail: `discovery failed: ${answer.failure.message}`,
        fix: 'Check that your user may read API discovery (`kubectl api-versions`).',
      };
    }
    state.served = answer.value;
    const core = answer.value.groups[CORE_GROUP];
    const ext = answer.value.groups[EXTENSIONS_GROUP];
    const describe = (group: string, served: readonly string[]): string =>
      `${group} ${served.length > 0 ? served.join(', ') : 'not served'}`;
    const detail = `${describe(CORE_GROUP, core?.all ?? [])}; ${describe(EXTENSIONS_GROUP, ext?.all ?? [])}`;
    const data = { groups: answer.value.groups };
    const coreVersion = core?.served[0];
    const extVersion = ext?.served[0];
    if (coreVersion === undefined) {
      return { status: 'fail', detail, fix: INSTALL_FIX, data };
    }
    if (extVersion === undefined) {
      return {
        status: 'fail',
        detail: `${detail} (the extensions CRDs — SandboxClaim, SandboxTemplate, SandboxWarmPool — are missing)`,
        fix: INSTALL_FIX,
        data,
      };
    }
    state.extensionsVersion = extVersion;
    const speaks = `Corral speaks ${extVersion}`;
    if (extVersion === 'v1alpha1') {
      return {
        status: 'warn',
        detail: `${detail}; ${speaks} (deprecated)`,
        fix: `Upgrade agent-sandbox to v0.5 or later for v1beta1; until then use deploy/v1alpha1 (${DEPLOY_DOC}).`,
        data: { ...data, apiVersion: extVersion },
      };
    }
    return {
      status: 'ok',
      detail: `${detail}; ${speaks}`,
      data: { ...data, apiVersion: extVersion },
    };
  },
};
