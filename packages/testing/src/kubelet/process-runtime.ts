/**
 * A `PodRuntime` that really runs pods whose container is the Corral runner: each one is the
 * runner bundle started inside a local sandbox (`@corral/sdk`'s launcher, network `none`,
 * listening on a unix socket in the sandbox's run directory), reachable on its own loopback pod
 * IP through a host-side TCP proxy. Its stdout and stderr are the container log; exec goes
 * through the runner's commands API. Every other pod is simulated as before.
 */
import { randomInt } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { constants as osConstants } from 'node:os';
import { createInterface } from 'node:readline';
import type { Socket } from 'node:net';
import { UidAllocator, compact } from '@corral/sdk';
import { ContainerLog, DEFAULT_CONTAINER_LOG_BYTES } from './container-log.js';
import { LoopbackAllocator } from './loopback-allocator.js';
import type { ExecRequest, ExecSession, PodProcess, PodProcessState } from './pod-process.js';
import { runnerExec } from './runner-exec.js';
import {
  isCorralRunnerContainer,
  runnerLaunchSpec,
  type RunnerContainerPredicate,
  type RunnerLaunchSpec,
} from './runner-pod-spec.js';
import type { ContainerExit, PodRuntime, PodStartResult } from './runtime.js';
import {
  sdkSandboxLauncher,
  type LaunchedPodSandbox,
  type SandboxLauncher,
  type SandboxLevel,
} from './sandbox-launcher.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';
import { agentCacheImages, type AgentImageResolver } from './agent-image.js';
import type { SecretReader } from './runner-pod-spec.js';
import { runProbe } from './run-probe.js';
import { prepareRuntimeEnvironment, type RuntimeEnvironment } from './runtime-environment.js';

export interface ProcessRuntimeOptions {
  /**
   * Sandbox mechanism: `'auto'` (default) picks bubblewrap, else unshare, else a plain process
   * (`'none'`, no isolation; acceptable for a test double, reported in the pod's log).
   */
  isolation?: 'auto' | SandboxLevel;
  /** Where per-pod sandbox directories go. Default: a fresh directory under the OS temp dir, removed on close. */
  stateDir?: string;
  /** Which containers run the runner. Default: image contains `corral` and `runner`, or the command runs `runner.mjs`. */
  isRunner?: RunnerContainerPredicate;
  /** The runner bundle. Default: `runnerBundlePath()` from `@corral/runner`. */
  runnerBundle?: string;
  /**
   * Ignored: a runner that does not listen no longer fails its pod; it stays Running and not
   * Ready while its readiness probe fails, as on a cluster.
   * @deprecated
   */
  startTimeoutMs?: number;
  /** SIGTERM → SIGKILL grace when a pod's containers are stopped without a grace period (a deleted pod uses its own). Default 1 000. */
  stopGraceMs?: number;
  /** Per-pod log buffer; the oldest lines are dropped past it. Default 1 MiB. */
  logBufferBytes?: number;
  /** First pod IP handed out. Default `127.0.1.1`. */
  firstPodIP?: string;
  /** The sandbox launcher. Default: `launchSandbox` from `@corral/sdk`. */
  launcher?: SandboxLauncher;
  /**
   * Test-double mapping for agent images (`…/runner-claude-code:2.1.332`): the host directory
   * bound read-only at `/opt/corral/agent` in their pods. Default: the local agent install
   * cache (`agent-image.ts`); false binds nothing.
   */
  agentImages?: AgentImageResolver | false;
  /**
   * What runner pods may reach outside the cluster, the fake's stand-in for the internet: host
   * names (`name` or `name:port`, as the local provider's allow-list) and the loopback address
   * each resolves to. Pods get this egress through an HTTP(S) proxy (`HTTP_PROXY` in their
   * environment; needs bubblewrap). NetworkPolicy egress rules are not evaluated. Default: none.
   */
  egress?: { domains: string[]; hosts?: Record<string, string> };
  /** Reads Secrets for `valueFrom.secretKeyRef` env (the fake cluster passes its store). */
  readSecret?: SecretReader;
  /**
   * Decides each connection to a pod IP (the fake cluster's NetworkPolicy enforcement sets it);
   * false refuses it. Default: every connection is admitted.
   */
  admitConnection?: (
    pod: { namespace: string; name: string },
    port: number,
    remoteAddress: string | undefined,
  ) => boolean;
}

export interface ProcessRuntime extends PodRuntime {
  lookup(namespace: string, name: string): PodProcess | undefined;
  /** Every pod that runs (or ran and is not yet deleted). */
  processes(): PodProcess[];
  /** Pod IPs currently handed out. */
  podIPs(): string[];
  close(): Promise<void>;
}

const RUNNER_SOCKET = 'runner.sock';
const defaultAgentImages = agentCacheImages();
/** Host uids for root-run pod sandboxes: above 65535, apart from the local provider's range, so
 * a pod never shares a uid with a local sandbox of another test process. */
const UID_BASE = 200_001;
const UID_RANGE = 100_000;

interface Entry {
  key: string;
  uid: string;
  namespace: string;
  name: string;
  spec: RunnerLaunchSpec;
  log: ContainerLog;
  state: PodProcessState | 'stopped';
  ip?: string;
  proxy?: TcpProxy;
  baseDir?: string;
  hostUid?: number;
  sandbox?: LaunchedPodSandbox;
  starting?: Promise<unknown>;
  stopping?: Promise<void>;
  removed: boolean;
}

/** How long output may trail a process's exit (a grandchild can hold the pipe open). */
const DRAIN_MS = 500;

function streamDone(stream: NodeJS.ReadableStream | null): Promise<void> {
  if (stream === null) return Promise.resolve();
  return new Promise((resolve) => {
    stream.once('close', resolve);
    stream.once('end', resolve);
    stream.once('error', () => resolve());
  });
}

const keyOf = (ns: string | undefined, name: string | undefined): string =>
  `${ns ?? ''}/${name ?? ''}`;

function exitOf(status: { code: number | null; signal: NodeJS.Signals | null }): ContainerExit {
  const exitCode =
    status.code ?? 128 + (status.signal !== null ? (osConstants.signals[status.signal] ?? 0) : 0);
  return { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error' };
}

/** What tests and the API server see of a pod that runs. */
const view = (entry: Entry, socketPath: string): PodProcess => ({
  namespace: entry.namespace,
  name: entry.name,
  uid: entry.uid,
  container: entry.spec.container,
  get podIP() {
    return entry.ip ?? '';
  },
  ports: [entry.spec.port],
  get state(): PodProcessState {
    return entry.state === 'stopped' ? 'exited' : entry.state;
  },
  log: entry.log,
  get pid() {
    return entry.sandbox?.pid;
  },
  get hostUid() {
    return entry.hostUid;
  },
  exec(request: ExecRequest): ExecSession {
    return runnerExec(socketPath, entry.spec.token, request);
  },
});

const socketOf = (entry: Entry): string => join(entry.baseDir ?? '', 'run', RUNNER_SOCKET);

/**
 * The CRI's RunPodSandbox + StartContainer for a runner pod: a loopback pod IP with its TCP proxy,
 * then the runner bundle in a local sandbox; its output is the container log.
 */
async function runPodSandbox(
  entry: Entry,
  env: RuntimeEnvironment,
  signal: AbortSignal,
  deps: { options: ProcessRuntimeOptions; ips: LoopbackAllocator; uids: UidAllocator },
): Promise<PodStartResult> {
  const { options, ips, uids } = deps;
  const launcher = options.launcher ?? sdkSandboxLauncher;
  signal.throwIfAborted();
  const id = `pod-${entry.uid.replace(/[^a-z0-9]/g, '').slice(0, 20) || randomInt(1e9).toString(36)}`;
  entry.baseDir = join(env.stateDir, id);
  const socketPath = join(entry.baseDir, 'run', RUNNER_SOCKET);
  // the pod IP: the lowest loopback address whose port this host can bind
  entry.ip = await ips.allocate(async (ip) => {
    try {
      const admit = options.admitConnection;
      entry.proxy = await startTcpProxy({
        host: ip,
        port: entry.spec.port,
        socketPath,
        ...(admit !== undefined
          ? {
              admit: (remote: string | undefined) =>
                admit({ namespace: entry.namespace, name: entry.name }, entry.spec.port, remote),
            }
          : {}),
      });
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') return false;
      throw err;
    }
  });
  signal.throwIfAborted();
  if (env.dropUid) entry.hostUid = uids.allocate();
  const agentDir =
    options.agentImages === false
      ? undefined
      : (options.agentImages ?? defaultAgentImages)(entry.spec.image);
  const egress = options.egress;
  const sandbox = await launcher({
    name: id,
    level: env.level,
    baseDir: entry.baseDir,
    ...compact({ uid: entry.hostUid }),
    network:
      egress !== undefined && egress.domains.length > 0
        ? { mode: 'allow', domains: [...egress.domains] }
        : { mode: 'none' },
    ...(egress?.hosts !== undefined ? { proxyHosts: { ...egress.hosts } } : {}),
    limits: {},
    cgroups: env.report.cgroups,
    files: compact({ 'runner.mjs': env.bundle, agent: agentDir }),
    env: entry.spec.env,
    command: (p) => [
      p.node,
      p.files['runner.mjs']!,
      ...entry.spec.flags,
      '--socket',
      `${p.run}/${RUNNER_SOCKET}`,
      '--root',
      p.work,
    ],
  });
  entry.sandbox = sandbox;
  const { child } = sandbox;
  // the sandbox must not keep the test process alive; it dies with it
  child.unref();
  for (const stream of [child.stdout, child.stderr]) (stream as Socket | null)?.unref();
  child.stderr?.on('data', (d: Buffer) => entry.log.write('stderr', d));
  const drained = Promise.all([streamDone(child.stdout), streamDone(child.stderr)]);
  const exited = sandbox.exited.then(async (status) => {
    // 'exit' can come before the last output: read the pipes to their end (briefly)
    await Promise.race([drained, new Promise((r) => setTimeout(r, DRAIN_MS).unref())]);
    if (entry.state === 'starting' || entry.state === 'running') entry.state = 'exited';
    entry.log.close();
    return exitOf(status);
  });
  // The container has started: a real kubelet reports it Running now. Whether it serves is the
  // readiness probe's business (`probe` below), so a runner that never listens stays Running
  // and not Ready, and one that exits first ends by its exit code and restartPolicy.
  const lines = createInterface({ input: child.stdout!, crlfDelay: Infinity });
  lines.on('line', (line) => {
    entry.log.write('stdout', `${line}\n`);
    if (entry.state === 'starting' && line.includes('"msg":"listening"')) entry.state = 'running';
  });
  return { podIP: entry.ip, exited };
}

export function createProcessRuntime(options: ProcessRuntimeOptions = {}): ProcessRuntime {
  const isRunner = options.isRunner ?? isCorralRunnerContainer;
  const ips = new LoopbackAllocator(options.firstPodIP);
  const entries = new Map<string, Entry>();
  const uids = new UidAllocator(UID_BASE, UID_RANGE);
  let closed = false;
  let prepared: Promise<RuntimeEnvironment> | undefined;

  const prepare = () => (prepared ??= prepareRuntimeEnvironment(options));

  /** Ends the sandbox and the proxy; keeps the IP and the log (the pod object still exists). */
  const halt = (entry: Entry, graceMs = options.stopGraceMs ?? 1_000): Promise<void> =>
    (entry.stopping ??= (async () => {
      await entry.starting?.catch(() => undefined);
      await entry.sandbox?.stop(graceMs);
      await entry.proxy?.close();
      if (entry.state !== 'exited') entry.state = 'stopped';
      entry.log.close();
    })());

  const destroy = async (entry: Entry): Promise<void> => {
    entry.removed = true;
    await halt(entry);
    if (entries.get(entry.key) === entry) entries.delete(entry.key);
    ips.release(entry.ip);
    if (entry.hostUid !== undefined) uids.release(entry.hostUid);
    if (entry.baseDir !== undefined) await rm(entry.baseDir, { recursive: true, force: true });
  };

  const views = new WeakMap<Entry, PodProcess>();
  const viewOf = (entry: Entry): PodProcess => {
    let v = views.get(entry);
    if (v === undefined) {
      v = view(entry, socketOf(entry));
      views.set(entry, v);
    }
    return v;
  };

  const launch = async (entry: Entry, signal: AbortSignal): Promise<PodStartResult> =>
    runPodSandbox(entry, await prepare(), signal, { options, ips, uids });

  const runtime: ProcessRuntime = {
    async start(pod, signal) {
      if (closed) throw new Error('process runtime is closed');
      const spec = runnerLaunchSpec(pod, isRunner, options.readSecret);
      if (spec === undefined) return {};
      const key = keyOf(pod.metadata.namespace, pod.metadata.name);
      const previous = entries.get(key);
      if (previous !== undefined) await destroy(previous);
      const entry: Entry = {
        key,
        uid: pod.metadata.uid ?? '',
        namespace: pod.metadata.namespace ?? '',
        name: pod.metadata.name ?? '',
        spec,
        log: new ContainerLog(options.logBufferBytes ?? DEFAULT_CONTAINER_LOG_BYTES),
        state: 'starting',
        removed: false,
      };
      entries.set(key, entry);
      const starting = launch(entry, signal);
      entry.starting = starting;
      try {
        return await starting;
      } catch (error) {
        // keep the log for `kubectl logs` of the failed pod; free everything else
        delete entry.starting;
        entry.state = 'exited';
        await entry.sandbox?.stop(0).catch(() => undefined);
        await entry.proxy?.close();
        entry.log.close();
        if (signal.aborted || closed) await destroy(entry);
        throw error;
      }
    },
    async probe(pod, container, probe, timeoutMs) {
      const entry = entries.get(keyOf(pod.metadata.namespace, pod.metadata.name));
      if (entry === undefined || entry.uid !== pod.metadata.uid) return undefined;
      if (container !== entry.spec.container) return undefined;
      if (entry.state !== 'starting' && entry.state !== 'running') return false;
      if (entry.ip === undefined) return false;
      const target = { ip: entry.ip, socketPath: socketOf(entry), token: entry.spec.token };
      return runProbe(target, pod, container, probe, timeoutMs);
    },
    async stop(pod, stopOptions) {
      const entry = entries.get(keyOf(pod.metadata.namespace, pod.metadata.name));
      if (entry !== undefined && entry.uid === pod.metadata.uid)
        await halt(entry, stopOptions?.graceMs);
    },
    async remove(pod) {
      const entry = entries.get(keyOf(pod.metadata.namespace, pod.metadata.name));
      if (entry !== undefined && entry.uid === pod.metadata.uid) await destroy(entry);
    },
    lookup(namespace, name) {
      const entry = entries.get(keyOf(namespace, name));
      return entry === undefined || entry.baseDir === undefined ? undefined : viewOf(entry);
    },
    processes() {
      return [...entries.values()].filter((e) => e.baseDir !== undefined).map(viewOf);
    },
    podIPs() {
      return ips.inUse();
    },
    async close() {
      closed = true;
      await Promise.all([...entries.values()].map((e) => destroy(e)));
      if (prepared !== undefined && options.stateDir === undefined) {
        const { stateDir } = await prepared.catch(() => ({ stateDir: undefined }));
        if (stateDir !== undefined) await rm(stateDir, { recursive: true, force: true });
      }
    },
  };
  return runtime;
}
