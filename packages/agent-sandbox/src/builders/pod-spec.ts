/**
 * A secure-by-default pod spec for a sandbox image: non-root (uid/gid 1000), RuntimeDefault
 * seccomp, no privilege escalation, all capabilities dropped, no service-account token,
 * `restartPolicy: Never` (so a finished pod reaches a terminal phase and claim TTLs fire).
 */
import type {
  V1Container,
  V1EnvVar,
  V1PodSecurityContext,
  V1PodSpec,
  V1Probe,
  V1ResourceRequirements,
  V1SecurityContext,
} from '@kubernetes/client-node';
import { KubeInvalidArgumentError } from '../errors/config-errors.js';
import { requireString } from './common.js';

export const DEFAULT_SANDBOX_PORT = 8888;
export const DEFAULT_CONTAINER_NAME = 'sandbox';

export interface PodSpecOptions {
  /** Container image (required). */
  image: string;
  /** Port the runtime server listens on; default 8888. */
  port?: number;
  command?: string[];
  args?: string[];
  /** Environment: a name → value map, or full `V1EnvVar`s. */
  env?: Record<string, string> | V1EnvVar[];
  resources?: V1ResourceRequirements;
  runtimeClassName?: string;
  /** Default: HTTP GET `/healthz` on `port`. `false` omits the probe. */
  readinessProbe?: V1Probe | false;
  /** Default `sandbox`. */
  containerName?: string;
  /** Make the root filesystem read-only (off by default: most runtimes write to it). */
  readOnlyRootFilesystem?: boolean;
  /** Merged over the defaults (runAsNonRoot, runAsUser/Group, fsGroup 1000, seccomp RuntimeDefault). */
  podSecurityContext?: V1PodSecurityContext;
  /** Merged over the defaults (no privilege escalation, capabilities drop ALL). */
  containerSecurityContext?: V1SecurityContext;
  /** Default false. */
  automountServiceAccountToken?: boolean;
  /** Default `Never`. */
  restartPolicy?: 'Never' | 'OnFailure' | 'Always';
  /** Merged over the generated container last: anything else (volumeMounts, ports, ...). */
  container?: Partial<V1Container>;
  /** Merged over the generated pod spec last: anything else (volumes, tolerations, ...). */
  podSpec?: Partial<V1PodSpec>;
}

function envList(env: PodSpecOptions['env'], fn: string): V1EnvVar[] | undefined {
  if (env === undefined) return undefined;
  if (Array.isArray(env)) return env.map((e) => ({ ...e }));
  if (typeof env !== 'object' || env === null) {
    throw new KubeInvalidArgumentError(
      `${fn}: env must be a name → value object or an array of env vars`,
    );
  }
  return Object.entries(env).map(([name, value]) => {
    if (typeof value !== 'string') {
      throw new KubeInvalidArgumentError(
        `${fn}: env.${name} must be a string (got ${JSON.stringify(value)}); convert numbers with String()`,
      );
    }
    return { name, value };
  });
}

export function buildPodSpec(options: PodSpecOptions, fn = 'buildPodSpec'): V1PodSpec {
  const image = requireString(options.image, 'image', fn);
  const port = options.port ?? DEFAULT_SANDBOX_PORT;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new KubeInvalidArgumentError(
      `${fn}: port must be an integer from 1 to 65535 (got ${JSON.stringify(port)})`,
    );
  }
  const securityContext: V1SecurityContext = {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    ...(options.readOnlyRootFilesystem === true ? { readOnlyRootFilesystem: true } : {}),
    ...options.containerSecurityContext,
  };
  const container: V1Container = {
    name: options.containerName ?? DEFAULT_CONTAINER_NAME,
    image,
    ports: [{ name: 'http', containerPort: port, protocol: 'TCP' }],
    securityContext,
  };
  if (options.command !== undefined) container.command = [...options.command];
  if (options.args !== undefined) container.args = [...options.args];
  const env = envList(options.env, fn);
  if (env !== undefined) container.env = env;
  if (options.resources !== undefined) container.resources = options.resources;
  if (options.readinessProbe !== false) {
    container.readinessProbe = options.readinessProbe ?? {
      httpGet: { path: '/healthz', port },
      periodSeconds: 1,
      failureThreshold: 3,
    };
  }
  const podSecurityContext: V1PodSecurityContext = {
    runAsNonRoot: true,
    runAsUser: 1000,
    runAsGroup: 1000,
    fsGroup: 1000,
    seccompProfile: { type: 'RuntimeDefault' },
    ...options.podSecurityContext,
  };
  const spec: V1PodSpec = {
    containers: [{ ...container, ...options.container }],
    securityContext: podSecurityContext,
    automountServiceAccountToken: options.automountServiceAccountToken ?? false,
    restartPolicy: options.restartPolicy ?? 'Never',
  };
  if (options.runtimeClassName !== undefined) spec.runtimeClassName = options.runtimeClassName;
  return { ...spec, ...options.podSpec };
}
