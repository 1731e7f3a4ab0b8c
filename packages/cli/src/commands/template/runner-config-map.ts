import { readFile } from 'node:fs/promises';
import {
  buildRunnerConfigMap,
  runnerBundleSha256,
  RUNNER_SHA256_ANNOTATION,
} from '@corral/agent-sandbox';
import { RUNNER_VERSION, runnerBundlePath } from '@corral/runner';
import { ApiException, CoreV1Api } from '@kubernetes/client-node';
import type { KubeConfig, V1ConfigMap } from '@kubernetes/client-node';
import { InvalidArgumentError } from '@corral/sdk';

/**
 * Creates the ConfigMap holding this CLI's runner bundle in `namespace`, unless it is there. Its
 * name carries a hash of the content and it is immutable, so "there" means "the same runner";
 * a ConfigMap of that name with other content (edited by hand) is refused.
 */
export async function ensureRunnerConfigMap(
  kubeConfig: KubeConfig,
  namespace: string,
  signal?: AbortSignal,
): Promise<{ configMap: V1ConfigMap; action: 'created' | 'unchanged' }> {
  const bundle = await readFile(runnerBundlePath(), 'utf8');
  const configMap = buildRunnerConfigMap({ bundle, version: RUNNER_VERSION, namespace });
  const name = configMap.metadata!.name!;
  const api = kubeConfig.makeApiClient(CoreV1Api);
  signal?.throwIfAborted();
  try {
    const created = await api.createNamespacedConfigMap({ namespace, body: configMap });
    return { configMap: created, action: 'created' };
  } catch (error) {
    if (!(error instanceof ApiException) || error.code !== 409) throw error;
  }
  const existing = await api.readNamespacedConfigMap({ name, namespace });
  const sha =
    existing.data?.['runner.mjs'] === undefined
      ? undefined
      : runnerBundleSha256(existing.data['runner.mjs']);
  if (sha !== runnerBundleSha256(bundle)) {
    throw new InvalidArgumentError(
      `ConfigMap ${namespace}/${name} exists but does not hold this CLI's runner ` +
        `(annotation ${RUNNER_SHA256_ANNOTATION}: ${existing.metadata?.annotations?.[RUNNER_SHA256_ANNOTATION] ?? 'none'}); ` +
        `delete it (kubectl delete configmap ${name} -n ${namespace}) and apply again.`,
    );
  }
  return { configMap: existing, action: 'unchanged' };
}
