import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { ConfigNotFoundError } from '../errors/config-errors.js';

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface LoadKubeConfigOptions {
  /** Load exactly this file (instead of `KUBECONFIG` / `~/.kube/config`). */
  kubeconfigPath?: string;
  /** Use this context instead of the file's `current-context`. */
  context?: string;
  /** Override the context's namespace. */
  namespace?: string;
  /**
   * `true`: use only the in-cluster service account. `false`: never. Unset: fall back to it
   * when no kubeconfig file is found (kubectl's order).
   */
  inCluster?: boolean;
  /** Environment to read `KUBECONFIG`, `KUBERNETES_SERVICE_HOST` from (tests). Default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Home directory for `~/.kube/config` (tests). Default `os.homedir()`. */
  homeDir?: string;
  /** Prefix for the service-account paths (tests). Default `''`. */
  inClusterPathPrefix?: string;
}

export interface LoadedKubeConfig {
  kubeConfig: KubeConfig;
  /** The namespace to use: the option, else the context's, else `default`. */
  namespace: string;
  /** The context in use. */
  context: string;
  /** Where the configuration came from: file paths, or `in-cluster`. */
  source: string;
}

/**
 * Loads a kubeconfig the way kubectl does: `KUBECONFIG` (a path list, merged, the first file's
 * current-context winning), else `~/.kube/config`, else the in-cluster service account.
 *
 * client-node's own `loadFromDefault` silently falls back to `http://localhost:8080` when it
 * finds nothing, and every later request then fails with a confusing error; this throws
 * `ConfigNotFoundError` naming what was searched instead.
 */
export function loadKubeConfig(options: LoadKubeConfigOptions = {}): LoadedKubeConfig {
  const env = options.env ?? process.env;
  const kc = new KubeConfig();
  const searched: string[] = [];
  let source: string | undefined;

  if (options.inCluster !== true) {
    const files = candidateFiles(options, env, searched);
    if (files.length > 0) {
      kc.loadFromFile(files[0]!);
      for (const file of files.slice(1)) {
        const other = new KubeConfig();
        other.loadFromFile(file);
        kc.mergeConfig(other, true);
      }
      source = files.join(delimiter);
    }
  }

  if (source === undefined && options.inCluster !== false) {
    const prefix = options.inClusterPathPrefix ?? '';
    const tokenPath = `${prefix}${SERVICE_ACCOUNT_DIR}/token`;
    const host = env.KUBERNETES_SERVICE_HOST;
    searched.push(`in-cluster service account (${tokenPath} and KUBERNETES_SERVICE_HOST)`);
    if (existsSync(tokenPath) && host !== undefined && host !== '') {
      kc.loadFromCluster(prefix);
      const cluster = kc.clusters[0];
      if (cluster !== undefined && options.env !== undefined) {
        // loadFromCluster reads process.env; honour an injected environment.
        const port = env.KUBERNETES_SERVICE_PORT ?? '443';
        const scheme = ['80', '8080', '8001'].includes(port) ? 'http' : 'https';
        const hostPart = host.includes(':') ? `[${host}]` : host;
        kc.clusters = [{ ...cluster, server: `${scheme}://${hostPart}:${port}` }];
      }
      source = 'in-cluster';
    }
  }

  if (source === undefined) {
    throw new ConfigNotFoundError(
      `No Kubernetes configuration found. Searched:\n${searched.map((s) => `  - ${s}`).join('\n')}\n` +
        'Set KUBECONFIG to a kubeconfig file, create ~/.kube/config (e.g. with your cloud CLI or `kind`), ' +
        'pass { kubeconfigPath }, or run inside a pod with a service account.',
      searched,
    );
  }

  if (options.context !== undefined) {
    const names = kc.getContexts().map((c) => c.name);
    if (!names.includes(options.context)) {
      throw new ConfigNotFoundError(
        `Context "${options.context}" is not in ${source}. Available contexts: ${
          names.length > 0 ? names.join(', ') : '(none)'
        }.`,
        [source],
      );
    }
    kc.setCurrentContext(options.context);
  }

  const context = kc.getCurrentContext();
  if (context === '' || kc.getContextObject(context) === null || kc.getCurrentCluster() === null) {
    const names = kc.getContexts().map((c) => c.name);
    throw new ConfigNotFoundError(
      `${source} has no usable current context${context ? ` ("${context}" names no context or cluster)` : ''}. ` +
        `Pass { context } (available: ${names.length > 0 ? names.join(', ') : 'none'}) or run \`kubectl config use-context <name>\`.`,
      [source],
    );
  }

  const namespace =
    options.namespace ??
    kc.getContextObject(context)?.namespace?.trim() ??
    readNamespaceFile(options, source);
  return { kubeConfig: kc, namespace: namespace === '' ? 'default' : namespace, context, source };
}

function candidateFiles(
  options: LoadKubeConfigOptions,
  env: Record<string, string | undefined>,
  searched: string[],
): string[] {
  if (options.kubeconfigPath !== undefined) {
    searched.push(options.kubeconfigPath);
    if (!existsSync(options.kubeconfigPath)) {
      throw new ConfigNotFoundError(
        `The kubeconfig file ${options.kubeconfigPath} does not exist. Check the path passed as kubeconfigPath.`,
        searched,
      );
    }
    return [options.kubeconfigPath];
  }
  const fromEnv = env.KUBECONFIG;
  if (fromEnv !== undefined && fromEnv !== '') {
    const listed = fromEnv.split(delimiter).filter((f) => f !== '');
    searched.push(...listed.map((f) => `${f} (from KUBECONFIG)`));
    // kubectl skips missing entries of KUBECONFIG; so do we.
    return listed.filter((f) => existsSync(f));
  }
  const home = options.homeDir ?? homedir();
  const file = join(home, '.kube', 'config');
  searched.push(file);
  return existsSync(file) ? [file] : [];
}

function readNamespaceFile(options: LoadKubeConfigOptions, source: string): string {
  if (source !== 'in-cluster') return 'default';
  const file = `${options.inClusterPathPrefix ?? ''}${SERVICE_ACCOUNT_DIR}/namespace`;
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : 'default';
}
