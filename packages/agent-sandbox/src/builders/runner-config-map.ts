/**
 * The runner without an image of Corral's: the single-file runner bundle goes into a ConfigMap,
 * and a stock Node image runs it from there. The ConfigMap is named after a hash of its content
 * and immutable, so a new runner is a new ConfigMap and a pod never sees a half-updated file.
 */
import { createHash } from 'node:crypto';
import type { V1ConfigMap } from '@kubernetes/client-node';
import { KubeInvalidArgumentError } from '../errors/config-errors.js';
import type { PodSpecOptions } from './pod-spec.js';

/**
 * The API server refuses a ConfigMap whose keys and values add up to more than 1 MiB
 * (`core.MaxSecretSize`, which ConfigMap validation shares).
 */
export const CONFIG_MAP_MAX_BYTES = 1024 * 1024;
/** The default image: official Node, the major the runner is tested on. Pin it by digest in production. */
export const DEFAULT_RUNNER_BASE_IMAGE = 'node:22-slim';
export const RUNNER_BUNDLE_KEY = 'runner.mjs';
export const RUNNER_MOUNT_PATH = '/opt/corral';
/** The runner's root (its files, commands' working directory): an emptyDir. */
export const RUNNER_WORKSPACE_PATH = '/workspace';
export const RUNNER_VERSION_LABEL = 'corral.dev/runner-version';
export const RUNNER_SHA256_ANNOTATION = 'corral.dev/runner-sha256';

export interface RunnerConfigMapOptions {
  /** The runner bundle's text (`dist/runner.mjs` of `@corral/runner`). */
  bundle: string;
  /** `@corral/runner`'s version, recorded as a label. */
  version: string;
  namespace?: string;
  labels?: Record<string, string>;
}

export function runnerBundleSha256(bundle: string): string {
  return createHash('sha256').update(bundle).digest('hex');
}

/** `corral-runner-<version>-<first 10 hex of the sha256>`: one name per content. */
export function runnerConfigMapName(bundle: string, version: string): string {
  const safeVersion = version.toLowerCase().replace(/[^a-z0-9.-]/g, '-');
  return `corral-runner-${safeVersion}-${runnerBundleSha256(bundle).slice(0, 10)}`;
}

export function buildRunnerConfigMap(options: RunnerConfigMapOptions): V1ConfigMap {
  const size = Buffer.byteLength(RUNNER_BUNDLE_KEY) + Buffer.byteLength(options.bundle);
  if (size > CONFIG_MAP_MAX_BYTES) {
    throw new KubeInvalidArgumentError(
      `buildRunnerConfigMap: the runner bundle is ${size} bytes, over the API server's ConfigMap limit of ` +
        `${CONFIG_MAP_MAX_BYTES} bytes; build an image with the runner inside instead (packages/runner/Dockerfile).`,
    );
  }
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: runnerConfigMapName(options.bundle, options.version),
      ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
      labels: {
        'app.kubernetes.io/name': 'corral-runner',
        'app.kubernetes.io/part-of': 'corral',
        'app.kubernetes.io/component': 'runner-bundle',
        [RUNNER_VERSION_LABEL]: options.version,
        ...options.labels,
      },
      annotations: { [RUNNER_SHA256_ANNOTATION]: runnerBundleSha256(options.bundle) },
    },
    immutable: true,
    data: { [RUNNER_BUNDLE_KEY]: options.bundle },
  };
}

/**
 * The pod-spec options that run the runner from `configMapName` on `image` (default
 * `node:22-slim`): `node /opt/corral/runner.mjs` in one-shot mode, rooted in an emptyDir.
 * Spread them into `buildSandboxTemplate`'s options.
 */
export function runnerFromConfigMap(
  configMapName: string,
  image: string = DEFAULT_RUNNER_BASE_IMAGE,
): Pick<PodSpecOptions, 'image' | 'command' | 'env' | 'container' | 'podSpec'> {
  return {
    image,
    command: ['node', `${RUNNER_MOUNT_PATH}/${RUNNER_BUNDLE_KEY}`],
    env: { CORRAL_RUNNER_MODE: 'oneshot', CORRAL_RUNNER_ROOT: RUNNER_WORKSPACE_PATH },
    container: {
      workingDir: RUNNER_WORKSPACE_PATH,
      volumeMounts: [
        { name: 'runner', mountPath: RUNNER_MOUNT_PATH, readOnly: true },
        { name: 'workspace', mountPath: RUNNER_WORKSPACE_PATH },
      ],
    },
    podSpec: {
      volumes: [
        { name: 'runner', configMap: { name: configMapName } },
        { name: 'workspace', emptyDir: { sizeLimit: '2Gi' } },
      ],
    },
  };
}
