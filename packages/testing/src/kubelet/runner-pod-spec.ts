/**
 * Which pods run the Corral runner, and how their container spec maps onto a runner process:
 * the container's literal env, its runner flags, and the port the pod IP answers on.
 */
import type { KubeObject } from '../store/types.js';

export interface PodContainer {
  name: string;
  image: string;
  command: string[];
  args: string[];
  env: { name: string; value?: string; secretKeyRef?: SecretKeyRef }[];
  ports: number[];
}

export interface SecretKeyRef {
  name: string;
  key: string;
  optional?: boolean;
}

/** A Secret's decoded value at `key` in `namespace`, or undefined when the Secret or key is missing. */
export type SecretReader = (namespace: string, name: string, key: string) => string | undefined;

/** Why a container cannot start (the kubelet's CreateContainerConfigError). */
export class ContainerConfigError extends Error {}

/** Decides whether a container runs the Corral runner (then its pod really runs). */
export type RunnerContainerPredicate = (container: PodContainer, pod: KubeObject) => boolean;

export interface RunnerLaunchSpec {
  container: string;
  image: string;
  /** The port `<podIP>` answers on (forwarded to the runner's unix socket). */
  port: number;
  env: Record<string, string>;
  /** Runner flags from the container (`--mode`, `--max-body-bytes`, …), minus the address flags. */
  flags: string[];
  /** `CORRAL_RUNNER_TOKEN` from the env, for exec through the commands API. */
  token?: string;
}

const DEFAULT_PORT = 8888;
/** Flags the runtime sets itself (the runner listens on a socket under a sandbox-owned root). */
const ADDRESS_FLAGS = new Set(['--port', '--host', '--socket', '--root', '--token-file']);
const ADDRESS_ENV = new Set([
  'CORRAL_RUNNER_PORT',
  'CORRAL_RUNNER_HOST',
  'CORRAL_RUNNER_SOCKET',
  'CORRAL_RUNNER_ROOT',
]);

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

const runsRunnerScript = (argv: readonly string[]): number =>
  argv.findIndex((a) => /(^|\/)runner\.mjs$/.test(a) || a === 'corral-runner');

/** Default: the image names Corral's runner (`ghcr.io/corral-dev/runner:0.1.0`), or the command runs `runner.mjs`. */
export const isCorralRunnerContainer: RunnerContainerPredicate = (container) => {
  const image = container.image.toLowerCase();
  if (image.includes('corral') && image.includes('runner')) return true;
  return runsRunnerScript([...container.command, ...container.args]) >= 0;
};

export function podContainers(pod: KubeObject): PodContainer[] {
  const spec = isObj(pod.spec) ? pod.spec : {};
  const list = Array.isArray(spec.containers) ? spec.containers.filter(isObj) : [];
  return list.map((c) => ({
    name: typeof c.name === 'string' ? c.name : '',
    image: typeof c.image === 'string' ? c.image : '',
    command: strings(c.command),
    args: strings(c.args),
    env: (Array.isArray(c.env) ? c.env.filter(isObj) : []).map((e) => {
      const ref = isObj(e.valueFrom) ? e.valueFrom.secretKeyRef : undefined;
      return {
        name: String(e.name),
        ...(typeof e.value === 'string' ? { value: e.value } : {}),
        ...(isObj(ref) && typeof ref.name === 'string' && typeof ref.key === 'string'
          ? {
              secretKeyRef: {
                name: ref.name,
                key: ref.key,
                ...(ref.optional === true ? { optional: true } : {}),
              },
            }
          : {}),
      };
    }),
    ports: (Array.isArray(c.ports) ? c.ports.filter(isObj) : [])
      .filter((p) => p.protocol === undefined || p.protocol === 'TCP')
      .map((p) => Number(p.containerPort))
      .filter((p) => Number.isInteger(p) && p > 0 && p < 65536),
  }));
}

/** The runner container of `pod` and how to start it, or undefined when the pod is simulated. */
export function runnerLaunchSpec(
  pod: KubeObject,
  isRunner: RunnerContainerPredicate = isCorralRunnerContainer,
  readSecret?: SecretReader,
): RunnerLaunchSpec | undefined {
  const container = podContainers(pod).find((c) => isRunner(c, pod));
  if (container === undefined) return undefined;
  const env: Record<string, string> = {};
  // literal values, and secretKeyRef as a kubelet resolves it when the container starts (a
  // missing Secret or key fails the start unless optional); other valueFrom kinds are not resolved
  for (const e of container.env) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.secretKeyRef !== undefined) {
      const { name, key, optional } = e.secretKeyRef;
      const value = readSecret?.(pod.metadata.namespace ?? 'default', name, key);
      if (value !== undefined) env[e.name] = value;
      else if (optional !== true)
        throw new ContainerConfigError(
          `container ${container.name}: env ${e.name} refers to key ${JSON.stringify(key)} of Secret ` +
            `${pod.metadata.namespace ?? 'default'}/${name}, which does not exist (CreateContainerConfigError)`,
        );
    }
  }
  const argv = [...container.command, ...container.args];
  const script = runsRunnerScript(argv);
  const given = script >= 0 ? argv.slice(script + 1) : container.args;
  const flags: string[] = [];
  let portFlag: string | undefined;
  for (let i = 0; i < given.length; i++) {
    const arg = given[i]!;
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg : arg.slice(0, eq);
    const value = eq < 0 ? given[i + 1] : arg.slice(eq + 1);
    if (ADDRESS_FLAGS.has(name)) {
      if (name === '--port') portFlag = value;
      if (eq < 0) i++;
      continue;
    }
    flags.push(arg);
  }
  const envPort = env.CORRAL_RUNNER_PORT;
  for (const name of ADDRESS_ENV) delete env[name];
  const port = [portFlag, envPort, container.ports[0], DEFAULT_PORT]
    .map(Number)
    .find((p) => Number.isInteger(p) && p > 0 && p < 65536)!;
  const spec: RunnerLaunchSpec = {
    container: container.name,
    image: container.image,
    port,
    env,
    flags,
  };
  if (env.CORRAL_RUNNER_TOKEN !== undefined) spec.token = env.CORRAL_RUNNER_TOKEN;
  return spec;
}
