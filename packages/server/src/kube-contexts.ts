/** The contexts of the user's kubeconfig (`KUBECONFIG`, first file, else `~/.kube/config`), parsed with `yaml`. */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { parse } from 'yaml';
import { ServerError } from './errors.js';

export interface KubeContexts {
  current: string | null;
  contexts: { name: string; cluster: string; namespace: string | null }[];
  kubeconfig: string | null;
}

export function kubeconfigPath(env: Record<string, string | undefined>): string {
  const fromEnv = env.KUBECONFIG?.split(delimiter).find((p) => p !== '');
  return fromEnv ?? join(env.HOME ?? homedir(), '.kube', 'config');
}

export async function kubeContexts(env: Record<string, string | undefined>): Promise<KubeContexts> {
  const path = kubeconfigPath(env);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return { current: null, contexts: [], kubeconfig: null };
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    throw new ServerError(
      'UNPROCESSABLE',
      `the kubeconfig ${path} is not valid YAML: ${(error as Error).message}`,
    );
  }
  const config = (doc ?? {}) as { 'current-context'?: unknown; contexts?: unknown };
  const list = Array.isArray(config.contexts) ? (config.contexts as unknown[]) : [];
  const contexts = list.flatMap((entry) => {
    const e = entry as { name?: unknown; context?: { cluster?: unknown; namespace?: unknown } };
    if (typeof e.name !== 'string') return [];
    return [
      {
        name: e.name,
        cluster: typeof e.context?.cluster === 'string' ? e.context.cluster : '',
        namespace: typeof e.context?.namespace === 'string' ? e.context.namespace : null,
      },
    ];
  });
  const current = typeof config['current-context'] === 'string' ? config['current-context'] : null;
  return { current, contexts, kubeconfig: path };
}
