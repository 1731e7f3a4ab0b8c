/** Kubeconfig for the fake cluster, as a client-node `KubeConfig` and as a file for kubectl. */
import { writeFile } from 'node:fs/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { compact } from '@corral/sdk';

export interface KubeconfigParams {
  url: string;
  /** PEM of the server certificate (TLS only). */
  caPem?: string;
  token?: string;
  namespace: string;
  contextName: string;
}

export function makeKubeConfig(p: KubeconfigParams): KubeConfig {
  const kc = new KubeConfig();
  const cluster = {
    name: p.contextName,
    server: p.url,
    skipTLSVerify: p.caPem === undefined,
    ...(p.caPem !== undefined ? { caData: Buffer.from(p.caPem).toString('base64') } : {}),
  };
  kc.loadFromOptions({
    clusters: [cluster],
    users: [compact({ name: p.contextName, token: p.token })],
    contexts: [
      { name: p.contextName, cluster: p.contextName, user: p.contextName, namespace: p.namespace },
    ],
    currentContext: p.contextName,
  });
  return kc;
}

export function kubeconfigYaml(p: KubeconfigParams): string {
  const cluster: Record<string, unknown> = { server: p.url };
  if (p.caPem !== undefined)
    cluster['certificate-authority-data'] = Buffer.from(p.caPem).toString('base64');
  // client-node refuses plain http:// unless TLS verification is marked as skipped.
  else cluster['insecure-skip-tls-verify'] = true;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: p.contextName, cluster }],
    users: [{ name: p.contextName, user: p.token !== undefined ? { token: p.token } : {} }],
    contexts: [
      {
        name: p.contextName,
        context: { cluster: p.contextName, user: p.contextName, namespace: p.namespace },
      },
    ],
    'current-context': p.contextName,
    preferences: {},
  });
}

export async function writeKubeconfigFile(path: string, p: KubeconfigParams): Promise<void> {
  await writeFile(path, kubeconfigYaml(p), { mode: 0o600 });
}
