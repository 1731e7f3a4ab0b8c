/**
 * `SandboxProvider` for this machine: each sandbox is the Corral runner started inside an OS
 * sandbox (bubblewrap by default), reachable only through a unix socket in a host directory
 * Corral owns. Optional warm pool (`minReady`) of pre-started sandboxes.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { runnerBundlePath } from '@corral/runner';
import { ConflictError, InvalidArgumentError, ProviderClosedError } from '../errors.js';
import type {
  IsolationLevel,
  NetworkMode,
  ProviderCapabilities,
  ProviderCreateOptions,
  ProvisionedSandbox,
  ResourceLimits,
  SandboxInfo,
  SandboxProvider,
} from '../provider.js';
import { sandboxLabels } from '../labels.js';
import { compact } from '../compact.js';
import { checkEnv, checkLimits } from '../validate/sandbox-input.js';
import { chooseIsolation, detectIsolation, type IsolationReport } from './detect.js';
import { processStartTime } from './host-process.js';
import { launchSandbox, type LaunchedSandbox, type LaunchLevel } from './launch.js';
import { localSandboxInfo } from './local-info.js';
import { checkDiskLimit, checkReadOnlyBinds, ID_RE, newId, sameJson } from './local-input.js';
import { DEFAULT_LIMITS, tmpBytesFor, type LocalProviderOptions } from './local-options.js';
import { checkNetworkForLevel } from './network-for-level.js';
import { runnerCommand } from './runner-command.js';
import { linkRunnerSocket, waitForListening } from './runner-socket.js';
import { warmUpRunner } from './runner-warmup.js';
import { destroyForeign, removeDir, sameProcess } from './sandbox-removal.js';
import { UidAllocator } from './sandbox-uids.js';
import {
  defaultStateDir,
  listRecordDirs,
  prepareStateDir,
  readableCopy,
  execOnlyCopy,
  hostSocketPath,
  readRecord,
  writeRecord,
  type SandboxRecord,
} from './state.js';
import { releaseOrphanSpares, SpareWorkDisk } from './spare-work-disk.js';
import { diskImageBytes, releaseWorkDisk } from './work-disk.js';
import { WarmPool } from './warm-pool.js';
import {
  callerUid,
  checkMaxLifetime,
  DEFAULT_LOCAL_MAX_LIFETIME_MS,
  armLifetimeTimer,
} from './lifetime.js';

export type { LocalProviderOptions } from './local-options.js';
export { DEFAULT_LIMITS } from './local-options.js';

/**
 * The replacement for a sandbox taken from the pool starts this long after the take, so its
 * start does not compete for CPU with the handed-over sandbox's first commands
 * (docs/decisions/0048).
 */
const POOL_REFILL_DELAY_MS = 250;

const NETWORK_MODES: Partial<Record<IsolationLevel, NetworkMode['mode'][]>> = {
  bubblewrap: ['none', 'full', 'allow'],
  gvisor: ['none'],
};

interface Live {
  record: SandboxRecord;
  dir: string;
  launched: LaunchedSandbox;
  lifetimeTimer?: NodeJS.Timeout;
  stderrTail: string;
}

export class LocalProvider implements SandboxProvider {
  readonly name = 'local';
  readonly stateDir: string;
  private readonly live = new Map<string, Live>();
  private readonly uids: UidAllocator;
  private readonly pool: WarmPool<Live> | undefined;
  private readonly spareDisk: SpareWorkDisk | undefined;
  private sparesSwept: Promise<void> | undefined;
  private report: IsolationReport | undefined;
  private detection: Promise<IsolationReport> | undefined;
  private stateReady: Promise<void> | undefined;
  private runnerPath: Promise<string> | undefined;
  private nodePath: Promise<string> | undefined;
  private closed = false;

  constructor(private readonly options: LocalProviderOptions = {}) {
    this.stateDir = options.stateDir ?? defaultStateDir();
    this.uids = new UidAllocator(options.uidBase ?? 10_001);
    if (options.spareWorkDisk !== false && SpareWorkDisk.usable())
      this.spareDisk = new SpareWorkDisk(this.stateDir, POOL_REFILL_DELAY_MS);
    const minReady = options.minReady ?? 0;
    checkMaxLifetime(options.maxLifetimeMs);
    if (!Number.isInteger(minReady) || minReady < 0) {
      throw new InvalidArgumentError(`minReady must be a non-negative integer, got ${minReady}`);
    }
    if (minReady > 0) {
      this.pool = new WarmPool<Live>({
        size: minReady,
        start: async () => {
          const live = await this.start(newId(), {
            pooled: true,
            labels: {},
            env: {},
            network: this.defaultNetwork(),
            limits: this.options.limits ?? {},
          });
          try {
            await warmUpRunner(hostSocketPath(live.dir), live.record.token);
          } catch (error) {
            await this.delete(live.record.id).catch(() => undefined);
            throw error;
          }
          return live;
        },
        alive: (l) => l.launched.child.exitCode === null && l.launched.child.signalCode === null,
        destroy: (l) => this.delete(l.record.id),
        refillDelayMs: POOL_REFILL_DELAY_MS,
      });
      this.pool.fill();
    }
  }

  capabilities(): ProviderCapabilities {
    let isolation: IsolationLevel = this.options.isolation ?? 'bubblewrap';
    if (this.report) {
      try {
        isolation = chooseIsolation(this.report, this.chooseOptions());
      } catch {
        // reported by create
      }
    }
    return {
      isolation,
      network: NETWORK_MODES[isolation] ?? ['none', 'full'],
      resourceLimits: this.report?.cgroups.writable ?? false,
      warmPool: true,
      suspend: false,
      persistent: false,
    };
  }

  /** The level sandboxes get here, after probing (throws `IsolationUnavailableError`). */
  async isolation(): Promise<{ level: IsolationLevel; report: IsolationReport }> {
    // Probed on first need only: listing, exec or delete never spawn a probe. The answer is
    // cached in the state dir; gVisor is probed only when it is the level asked for.
    this.detection ??= detectIsolation({
      cacheDir: this.stateDir,
      gvisor: this.options.isolation === 'gvisor',
    }).then(
      (r) => (this.report = r),
      (error: unknown) => {
        this.detection = undefined;
        throw error;
      },
    );
    const report = await this.detection;
    return { level: chooseIsolation(report, this.chooseOptions()), report };
  }

  /** Resolves once the warm pool holds `minReady` sandboxes. */
  async whenPoolReady(options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.pool?.whenReady(options.signal);
  }

  /**
   * Resolves once the spare work disk being made (if any) is ready; true when one is. Benchmarks
   * and tests use it to measure a create that finds the spare (docs/decisions/0049).
   */
  async whenSpareDiskReady(options: { signal?: AbortSignal } = {}): Promise<boolean> {
    return (await this.spareDisk?.ready(options.signal)) ?? false;
  }

  async create(options: ProviderCreateOptions = {}): Promise<ProvisionedSandbox> {
    if (this.closed) {
      throw new ProviderClosedError(
        'This local provider is closed; create a new one with createLocalProvider().',
      );
    }
    options.signal?.throwIfAborted();
    if (options.id !== undefined && !ID_RE.test(options.id)) {
      throw new InvalidArgumentError(
        `sandbox id ${JSON.stringify(options.id)} is invalid: use 1-63 characters of a-z, 0-9 and '-', starting with a letter or digit`,
      );
    }
    checkLimits(options.limits);
    checkDiskLimit(options.limits);
    checkEnv(options.env);
    const readOnlyBinds = checkReadOnlyBinds(options.readOnlyBinds);
    const network = options.network ?? this.defaultNetwork();
    const limits = { ...this.options.limits, ...options.limits };
    const id = options.id ?? newId();
    if (this.live.has(id) || (await readRecord(join(this.stateDir, id)))) {
      throw new ConflictError(
        `a sandbox with id ${id} already exists; delete it or choose another id`,
      );
    }
    const labels = sandboxLabels(options);

    const poolable =
      this.pool &&
      Object.keys(options.env ?? {}).length === 0 &&
      Object.keys(readOnlyBinds).length === 0 &&
      sameJson(network, this.defaultNetwork()) &&
      sameJson(limits, { ...this.options.limits });
    const pooled = poolable ? this.pool?.take() : undefined;
    if (pooled) return this.claim(pooled, id, labels, options.maxLifetimeMs);

    const live = await this.start(
      id,
      compact({
        pooled: false,
        labels,
        env: options.env ?? {},
        network,
        limits,
        readOnlyBinds,
        timeoutMs: options.timeoutMs,
        signal: options.signal,
      }),
    );
    this.armLifetime(live, options.maxLifetimeMs);
    await writeRecord(live.dir, live.record);
    return this.provisioned(live.record, live.dir);
  }

  async get(
    id: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<ProvisionedSandbox | undefined> {
    options.signal?.throwIfAborted();
    if (!ID_RE.test(id)) return undefined;
    const dir = join(this.stateDir, id);
    const record = await this.current(dir);
    return record ? this.provisioned(record, dir) : undefined;
  }

  async list(
    options: { labels?: Record<string, string>; signal?: AbortSignal } = {},
  ): Promise<SandboxInfo[]> {
    options.signal?.throwIfAborted();
    this.sparesSwept ??= releaseOrphanSpares(this.stateDir);
    await this.sparesSwept;
    const out: SandboxInfo[] = [];
    for (const dir of await listRecordDirs(this.stateDir)) {
      const record = await this.current(dir);
      if (!record) continue;
      if (Object.entries(options.labels ?? {}).every(([k, v]) => record.labels[k] === v)) {
        out.push(await this.info(record));
      }
    }
    return out.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  }

  async delete(id: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    options.signal?.throwIfAborted();
    if (!ID_RE.test(id)) return;
    const dir = join(this.stateDir, id);
    const live = this.live.get(id);
    if (live) {
      clearTimeout(live.lifetimeTimer);
      await live.launched.stop(this.options.stopGraceMs ?? 500);
      this.live.delete(id);
      if (live.record.uid !== undefined) this.uids.release(live.record.uid);
      await releaseWorkDisk(live.dir);
      await removeDir(live.dir);
      return;
    }
    const record = await readRecord(dir);
    if (record) await destroyForeign(record);
    await releaseWorkDisk(dir);
    await removeDir(dir);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.pool?.close();
    await this.spareDisk?.close();
  }

  // ---- internals ----

  private chooseOptions() {
    return {
      ...(this.options.isolation ? { isolation: this.options.isolation } : {}),
      ...(this.options.allowUnisolated ? { allowUnisolated: true } : {}),
    };
  }

  private defaultNetwork(): NetworkMode {
    return this.options.network ?? { mode: 'none' };
  }

  private async start(
    id: string,
    spec: {
      pooled: boolean;
      labels: Record<string, string>;
      env: Record<string, string>;
      network: NetworkMode;
      limits: ResourceLimits;
      readOnlyBinds?: Record<string, string>;
      timeoutMs?: number;
      signal?: AbortSignal;
    },
  ): Promise<Live> {
    const { level, report } = await this.isolation();
    checkNetworkForLevel(level, spec.network);
    const dropUid = report.root;
    this.stateReady ??= prepareStateDir(this.stateDir, dropUid);
    await this.stateReady;
    const bundle = this.options.runnerBundle ?? runnerBundlePath();
    this.runnerPath ??= dropUid ? readableCopy(bundle, this.stateDir) : Promise.resolve(bundle);
    const runner = await this.runnerPath;
    // gVisor's Sentry keeps its own /proc; elsewhere the runner must be non-dumpable (W8)
    this.nodePath ??= execOnlyCopy(process.execPath, this.stateDir);
    const protectedNode = level === 'gvisor' ? undefined : await this.nodePath;
    const dir = join(this.stateDir, id);
    try {
      await mkdir(dir, { mode: dropUid ? 0o711 : 0o700 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST')
        throw new ConflictError(`a sandbox with id ${id} already exists`);
      throw error;
    }
    const limits = { ...DEFAULT_LIMITS, ...spec.limits };
    const diskBytes = limits.diskBytes === undefined ? undefined : diskImageBytes(limits.diskBytes);
    const spareTaken =
      diskBytes !== undefined && (await this.spareDisk?.takeInto(dir, diskBytes)) === true;
    const uid = dropUid ? this.uids.allocate() : undefined;
    const token = randomBytes(24).toString('base64url');
    const timeoutMs = spec.timeoutMs ?? this.options.startTimeoutMs ?? 15_000;
    let launched: LaunchedSandbox | undefined;
    const started = performance.now();
    try {
      launched = await launchSandbox({
        name: id,
        level: level as LaunchLevel, // 'pod' was rejected by chooseIsolation
        baseDir: dir,
        ...(uid === undefined ? {} : { uid }),
        network: spec.network,
        limits,
        tmpBytes: tmpBytesFor(spec.limits),
        ...(spareTaken ? { workDiskMountedBytes: diskBytes } : {}),
        cgroups: report.cgroups,
        files: { ...spec.readOnlyBinds, 'runner.mjs': runner },
        ...(this.options.proxyHosts ? { proxyHosts: this.options.proxyHosts } : {}),
        ...(this.options.seccomp === undefined ? {} : { seccomp: this.options.seccomp }),
        env: spec.env,
        token,
        ...(protectedNode ? { protectedNode } : {}),
        command: (p) => runnerCommand(p, spec),
      });
      const stderrTail = await waitForListening(
        launched,
        timeoutMs - (performance.now() - started),
        spec.signal,
      );
      await linkRunnerSocket(dir, uid);
      const record: SandboxRecord = {
        version: 1,
        id,
        pid: launched.pid,
        ownerPid: process.pid,
        level,
        detail: launched.detail,
        network: spec.network,
        limitsApplied: launched.limitsApplied,
        limitsNotApplied: launched.limitsNotApplied,
        warnings: launched.warnings,
        createdAt: new Date().toISOString(),
        labels: spec.labels,
        cgroupDirs: launched.cgroupDirs,
        token,
        pooled: spec.pooled,
        ...compact({ uid }),
        ...compact({ creatorUid: callerUid() }),
      };
      const [pidStart, ownerStart] = await Promise.all([
        processStartTime(launched.pid),
        processStartTime(process.pid),
      ]);
      if (pidStart) record.pidStartTime = pidStart;
      if (ownerStart) record.ownerStartTime = ownerStart;
      await writeRecord(dir, record);
      const live: Live = { record, dir, launched, stderrTail };
      this.live.set(id, live);
      // the sandbox must not keep the caller's process alive; it dies with it (--die-with-parent)
      launched.child.unref();
      for (const stream of [launched.child.stdout, launched.child.stderr])
        (stream as Socket | null)?.unref();
      return live;
    } catch (error) {
      await launched?.stop(0).catch(() => undefined);
      if (uid !== undefined) this.uids.release(uid);
      await releaseWorkDisk(dir);
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  private async claim(
    live: Live,
    id: string,
    labels: Record<string, string>,
    maxLifetimeMs?: number,
  ) {
    const oldId = live.record.id;
    if (id !== oldId) {
      const dir = join(this.stateDir, id);
      // the running sandbox's binds follow the inodes, so renaming its directory is safe
      await rename(live.dir, dir);
      this.live.delete(oldId);
      live.dir = dir;
      live.record.id = id;
      this.live.set(id, live);
    }
    live.record.pooled = false;
    live.record.labels = labels;
    live.record.createdAt = new Date().toISOString();
    this.armLifetime(live, maxLifetimeMs);
    await writeRecord(live.dir, live.record);
    return this.provisioned(live.record, live.dir);
  }

  private armLifetime(live: Live, requestedMs: number | undefined) {
    const ms = requestedMs ?? this.options.maxLifetimeMs ?? DEFAULT_LOCAL_MAX_LIFETIME_MS;
    armLifetimeTimer(live, ms, () => void this.delete(live.record.id).catch(() => undefined));
  }

  /** The record if the sandbox is visible (not an unclaimed pool member); expired or orphaned ones are removed. */
  private async current(dir: string): Promise<SandboxRecord | undefined> {
    const live = [...this.live.values()].find((l) => l.dir === dir);
    const onDisk = await readRecord(dir);
    if (!onDisk && live) {
      // deleted by another process: finish our side (it is dead by now) and forget it
      await this.delete(live.record.id).catch(() => undefined);
      return undefined;
    }
    const record = live?.record ?? onDisk;
    if (!record) return undefined;
    const expired = record.expiresAt !== undefined && Date.parse(record.expiresAt) <= Date.now();
    // the owner died (its sandboxes died with it): clean up what it left, pooled ones included
    const orphaned = !live && !(await sameProcess(record.ownerPid, record.ownerStartTime));
    if (expired || orphaned) {
      await this.delete(record.id).catch(() => undefined);
      return undefined;
    }
    return record.pooled ? undefined : record;
  }

  private async info(record: SandboxRecord): Promise<SandboxInfo> {
    const live = this.live.get(record.id);
    const running = live
      ? live.launched.child.exitCode === null && live.launched.child.signalCode === null
      : await sameProcess(record.pid, record.pidStartTime);
    return localSandboxInfo(record, {
      provider: this.name,
      stateDir: this.stateDir,
      running,
      stderrTail: live?.stderrTail,
    });
  }

  private async provisioned(record: SandboxRecord, dir: string): Promise<ProvisionedSandbox> {
    return {
      info: await this.info(record),
      endpoint: {
        baseUrl: 'http://localhost',
        socketPath: hostSocketPath(dir),
        token: record.token,
      },
    };
  }
}

export function createLocalProvider(options: LocalProviderOptions = {}): LocalProvider {
  return new LocalProvider(options);
}
