/**
 * `AgentRunner`: starts agent runs with the orchestrator's guarantees — idempotent by task id
 * (the same task id returns the same run; the sandbox id is derived from it, so another process
 * conflicts instead of duplicating), a concurrency limit, timeouts, cancellation, nothing
 * leaked. It drives any `SandboxProvider` (local by default).
 */
import { join } from 'node:path';
import {
  createLocalProvider,
  type LocalProvider,
  type SandboxProvider,
  compact,
} from '@corral/sdk';
import { AgentError, InvalidAgentOptionsError } from './errors.js';
import { defaultAgentCacheDir, requireInstalled } from './install.js';
import { Limiter } from './limiter.js';
import { parseRunOptions, type AgentRunInput, type AgentRunOptions } from './options.js';
import { builtinProfiles } from './profiles/index.js';
import type { AgentProfile } from './profiles/types.js';
import type { Pricing } from './gateway/usage.js';
import type { RunCheckpoint } from './checkpoint.js';
import {
  checkPlacementLimits,
  checkPlacementWorkspace,
  defaultPlacement,
  imageAgent,
  type AgentPlacement,
} from './placement.js';
import { AgentRun } from './run.js';
import { checkWorkspace } from './workspace.js';

export interface AgentRunnerOptions {
  /** Default: a local provider (bubblewrap) with its default state directory. */
  provider?: SandboxProvider;
  /** Where installed agents live. Default: `defaultAgentCacheDir()`. */
  cacheDir?: string;
  /** Parent of the per-run gateway directories. Default: `<stateDir>/agent-gateways`. */
  gatewayDir?: string;
  /** Concurrent runs. Default 2. */
  concurrency?: number;
  /** Extra profiles (generic commands, other agents) beside the built-in ones. */
  profiles?: AgentProfile[];
  /**
   * The real model API per API kind, and the key. Default: `https://api.anthropic.com` with
   * `ANTHROPIC_API_KEY`, `https://api.openai.com` with `OPENAI_API_KEY`, read from this process'
   * environment (never passed into the sandbox).
   */
  upstreams?: Partial<Record<'anthropic' | 'openai', { url?: string; apiKey?: string }>>;
  pricing?: Pricing;
  /**
   * `host`: the agent from `cacheDir` bound in, the model through the host gateway (keys stay on
   * the host). `image`: the sandbox image provides the agent at `/opt/corral/agent` and the pod's
   * environment the model endpoint and key (Kubernetes, docs/agents-kubernetes.md).
   * Default: `image` for a provider whose isolation is `pod`, else `host`.
   */
  placement?: AgentPlacement;
}

export type AgentRunRequest = AgentRunInput & { agent: string };

export class AgentRunner {
  private readonly provider: SandboxProvider;
  private readonly ownsProvider: boolean;
  private readonly limiter: Limiter;
  private readonly runs = new Map<string, { run: AgentRun; key: string }>();
  private readonly profiles: AgentProfile[];
  readonly placement: AgentPlacement;

  constructor(private readonly options: AgentRunnerOptions = {}) {
    this.ownsProvider = !options.provider;
    this.provider = options.provider ?? createLocalProvider();
    const concurrency = options.concurrency ?? 2;
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new InvalidAgentOptionsError(`concurrency must be an integer >= 1, got ${concurrency}`);
    this.limiter = new Limiter(concurrency);
    this.placement = options.placement ?? defaultPlacement(this.provider);
    if (this.placement !== 'host' && this.placement !== 'image')
      throw new InvalidAgentOptionsError(
        `placement must be "host" or "image", got ${JSON.stringify(this.placement)}`,
      );
    // a given profile with a built-in's name replaces it (e.g. Codex with a model catalog)
    const given = options.profiles ?? [];
    this.profiles = [
      ...given,
      ...builtinProfiles.filter((b) => !given.some((p) => p.name === b.name)),
    ];
  }

  profile(name: string): AgentProfile {
    const found = this.profiles.find((p) => p.name === name);
    if (!found)
      throw new InvalidAgentOptionsError(
        `unknown agent ${JSON.stringify(name)}; use one of ${this.profiles.map((p) => p.name).join(', ')}`,
      );
    return found;
  }

  listProfiles(): readonly AgentProfile[] {
    return this.profiles;
  }

  /** Starts a run, or returns the run already started for this task id. */
  async run(request: AgentRunRequest): Promise<AgentRun> {
    const { agent, ...rest } = request;
    const options = parseRunOptions(rest);
    const key = JSON.stringify({ agent, ...options });
    const existing = this.runs.get(options.taskId);
    if (existing) {
      if (existing.key !== key)
        throw new AgentError(
          `task ${options.taskId} is already running with different options; use a new task id`,
          { code: 'CONFLICT' },
        );
      return existing.run;
    }
    return this.start(options, key, agent);
  }

  /**
   * A plan run from its checkpoint (`run.checkpoint()`), e.g. after the process that held its
   * kept sandbox restarted: the run is awaiting approval at once and holds nothing; `approve()`
   * restores the workspace and `$HOME` into a new sandbox and resumes the same session,
   * `reject()` ends it. A sandbox left with the run's id (a persistent provider's) is the
   * caller's to delete first.
   */
  async resume(checkpoint: RunCheckpoint): Promise<AgentRun> {
    const options = parseRunOptions(checkpoint.options);
    if (this.runs.has(options.taskId))
      throw new AgentError(`task ${options.taskId} is already running; it cannot be resumed`, {
        code: 'CONFLICT',
      });
    return this.start(
      options,
      JSON.stringify({ agent: checkpoint.agent, ...options }),
      checkpoint.agent,
      checkpoint,
    );
  }

  private async start(
    options: AgentRunOptions,
    key: string,
    agent: string,
    resumeFrom?: RunCheckpoint,
  ): Promise<AgentRun> {
    const profile = this.profile(agent);
    if (!resumeFrom) {
      await checkWorkspace(options.workspace);
      checkPlacementWorkspace(this.placement, options.workspace);
    }
    checkPlacementLimits(this.placement, options, profile);
    const onHost = this.placement === 'host';
    const installed = !profile.npm
      ? undefined
      : onHost
        ? await requireInstalled(profile, {
            cacheDir: this.options.cacheDir ?? defaultAgentCacheDir(),
          })
        : imageAgent(profile);
    // on `image` the key is the pod's (from its Secret): Corral neither needs nor reads one
    const upstream = onHost ? this.upstream(profile) : { url: '', apiKey: '' };
    const run = new AgentRun(options, {
      provider: this.provider,
      profile,
      placement: this.placement,
      ...compact({ installed }),
      upstream,
      gatewayParentDir: this.options.gatewayDir ?? join(this.stateDir(), 'agent-gateways'),
      ...compact({ pricing: this.options.pricing }),
      owner: `agents-${process.pid}`,
      acquire: (signal) => this.limiter.acquire(signal),
      onDone: (r) => {
        if (this.runs.get(r.taskId)?.run === r) this.runs.delete(r.taskId);
      },
      ...compact({ resumeFrom }),
    });
    this.runs.set(options.taskId, { run, key });
    return run;
  }

  /** Cancels every run and waits until each cleaned up. */
  async close(): Promise<void> {
    await Promise.all([...this.runs.values()].map(({ run }) => run.cancel()));
    if (this.ownsProvider) await this.provider.close();
  }

  private stateDir(): string {
    const local = this.provider as Partial<LocalProvider>;
    return local.stateDir ?? defaultAgentCacheDir();
  }

  private upstream(profile: AgentProfile): { url: string; apiKey: string } {
    if (profile.api === 'none') return { url: 'http://127.0.0.1:9', apiKey: '' };
    const configured = this.options.upstreams?.[profile.api] ?? {};
    const envKey = profile.api === 'anthropic' ? 'ANTHROPIC_API_KEY' : 'OPENAI_API_KEY';
    const apiKey = configured.apiKey ?? process.env[envKey];
    if (!apiKey)
      throw new InvalidAgentOptionsError(
        `${profile.name} needs a model API key: set ${envKey} in Corral's environment (it stays on the host) or pass upstreams.${profile.api}.apiKey`,
      );
    return { url: configured.url ?? profile.upstreamUrl ?? '', apiKey };
  }
}
