/**
 * One agent run: sandbox → workspace in → agent (plan, then on approval the same session
 * resumed) → changes out → sandbox gone. The sandbox is KEPT between plan and approval: the
 * agent's session files live in its `$HOME` inside the sandbox, and the workspace there is
 * exactly what the plan was made against, so `approve()` resumes instantly with no copy or
 * restore; the cost is a sandbox held while a person decides, bounded by `approvalTimeoutMs`.
 * If the process holding the run goes away, `checkpoint()` (taken while waiting) lets another
 * one resume the run in a new sandbox (`ctx.resumeFrom`, checkpoint.ts).
 */
import { constants as osConstants } from 'node:os';
import { join } from 'node:path';
import { RunnerClient, type ProvisionedSandbox, type SandboxProvider } from '@corral/sdk';
import { sandboxIdFor } from '@corral/orchestrator';
import {
  captureCheckpoint,
  HOME_DIR,
  restoreCheckpoint,
  type RunCheckpoint,
} from './checkpoint.js';
import { AgentError, AgentRunError } from './errors.js';
import { EventLog } from './event-log.js';
import type { AgentEvent, AgentEventBody, FileChange } from './events.js';
import { BRIDGE_FILE, BRIDGE_PORT, BRIDGE_READY, GATEWAY_SOCKET } from './gateway/bridge.js';
import { startGateway, type ModelGateway } from './gateway/gateway.js';
import type { Pricing, Usage } from './gateway/usage.js';
import type { InstalledAgent } from './install.js';
import type { AgentRunOptions } from './options.js';
import {
  AGENT_DIR,
  imageAgentLaunch,
  podBaseUrl,
  POD_MODEL_ENV,
  type AgentPlacement,
} from './placement.js';
import type { AgentProfile, RunMode } from './profiles/types.js';
import {
  collectChanges,
  packWorkspace,
  prepareWorkspace,
  WORKSPACE_DIR,
  workspaceTar,
} from './workspace.js';

export type AgentRunState =
  'starting' | 'running' | 'awaiting-approval' | 'succeeded' | 'failed' | 'rejected' | 'cancelled';

export interface AgentRunRecord {
  taskId: string;
  agent: string;
  state: AgentRunState;
  /** The agent's final text (or the plan while awaiting approval). */
  text: string;
  plan?: string;
  sessionId?: string;
  diff: string;
  files: { path: string; change: FileChange }[];
  archive?: Buffer;
  usage: Usage & { costUsd: number; turns: number };
  error?: { code: string; message: string };
  /** Milliseconds: run() → first model request, agent result → record ready. */
  timings: {
    toFirstModelRequestMs?: number;
    finishMs?: number;
    totalMs: number;
    /** Corral's own steps before the agent starts: where run() → first model request goes. */
    setup?: SetupTimings;
  };
}

/** Milliseconds per step, each present once the step finished. */
export interface SetupTimings {
  /** Waiting for a concurrency slot. */
  queueMs?: number;
  gatewayStartMs?: number;
  sandboxCreateMs?: number;
  /**
   * Copying (or cloning) the workspace in and recording its starting tree, and writing the
   * agent's configuration into its HOME beside it.
   */
  workspaceMs?: number;
  /** Waiting for the in-sandbox bridge after the above (it starts beside the workspace copy). */
  bridgeWaitMs?: number;
}

export interface RunContext {
  provider: SandboxProvider;
  profile: AgentProfile;
  /** How the agent and the model access get into the sandbox (`placement.ts`). */
  placement: AgentPlacement;
  installed?: InstalledAgent;
  upstream: { url: string; apiKey: string };
  gatewayParentDir: string;
  pricing?: Pricing;
  owner: string;
  acquire(signal: AbortSignal): Promise<() => void>;
  onDone(run: AgentRun): void;
  /** Resume from this checkpoint: the run starts awaiting approval, with no sandbox yet. */
  resumeFrom?: RunCheckpoint;
}

const HOME = HOME_DIR;
const IN_SANDBOX = {
  agent: AGENT_DIR,
  gateway: '/opt/corral/gateway',
  source: '/opt/corral/source',
};
const NODE_INSIDE = process.execPath.startsWith('/usr/') ? process.execPath : '/opt/corral/node';
const TERMINAL: ReadonlySet<AgentRunState> = new Set([
  'succeeded',
  'failed',
  'rejected',
  'cancelled',
]);

type Decision = { approve: true; feedback?: string } | { approve: false };

export class AgentRun {
  readonly taskId: string;
  readonly sandboxId: string;
  private readonly log = new EventLog();
  private readonly agentUsage = { inputTokens: 0, outputTokens: 0, costUsd: 0, turns: 0 };
  /** The agent's `$HOME` and model base URL inside the sandbox (set by `prepareHome`). */
  private home = `/work/${HOME}`;
  private baseUrl = `http://127.0.0.1:${BRIDGE_PORT}`;
  private readonly abort = new AbortController();
  private stopReason: { code: string; message: string } | undefined;
  private decide: ((d: Decision) => void) | undefined;
  private settled: ((r: AgentRunRecord) => void)[] = [];
  private readonly startedAt = performance.now();
  private record: AgentRunRecord;
  private readonly done: Promise<void>;
  /** While awaiting approval in a kept sandbox: what `checkpoint()` archives. */
  private planned: { client: RunnerClient; startTree: string; sessionId?: string } | undefined;

  constructor(
    readonly options: AgentRunOptions,
    private readonly ctx: RunContext,
  ) {
    this.taskId = options.taskId;
    this.sandboxId = sandboxIdFor(options.taskId);
    this.record = {
      taskId: options.taskId,
      agent: ctx.profile.name,
      state: 'starting',
      text: '',
      diff: '',
      files: [],
      usage: { inputTokens: 0, outputTokens: 0, costUsd: 0, turns: 0 },
      timings: { totalMs: 0 },
      ...(ctx.resumeFrom ? { text: ctx.resumeFrom.plan, plan: ctx.resumeFrom.plan } : {}),
    };
    this.done = this.drive();
  }

  get state(): AgentRunState {
    return this.record.state;
  }

  /** Every event from `cursor` on (default: all), then new ones as they come, until the run ends. */
  events(options: { cursor?: number; signal?: AbortSignal } = {}): AsyncGenerator<AgentEvent> {
    return this.log.read(options.cursor ?? 0, options.signal);
  }

  /** The agent's own output lines, as printed. */
  get rawLines(): readonly string[] {
    return this.log.raw;
  }

  onEvent(listener: (event: AgentEvent) => void): () => void {
    return this.log.onEvent(listener);
  }

  /** Resolves when the run ended or waits for approval (check `state`). */
  wait(): Promise<AgentRunRecord> {
    if (TERMINAL.has(this.record.state) || this.record.state === 'awaiting-approval')
      return Promise.resolve(this.snapshot());
    return new Promise((resolve) => this.settled.push(resolve));
  }

  /** Resolves once everything is cleaned up (sandbox deleted, gateway closed). */
  async finished(): Promise<AgentRunRecord> {
    await this.done;
    return this.snapshot();
  }

  /** Executes the plan in the same session (optionally with feedback for the agent). */
  approve(feedback?: string): Promise<AgentRunRecord> {
    this.takeDecision({ approve: true, ...(feedback ? { feedback } : {}) });
    return this.wait();
  }

  /** Ends a run that waits for approval; the sandbox is deleted. */
  async reject(): Promise<AgentRunRecord> {
    this.takeDecision({ approve: false });
    return this.finished();
  }

  /**
   * While awaiting approval: archives what resuming in another sandbox needs (runner.resume), so
   * the plan survives the process holding this run. Call before approving.
   */
  async checkpoint(
    options: { maxBytes?: number; signal?: AbortSignal } = {},
  ): Promise<RunCheckpoint> {
    const planned = this.planned;
    if (this.record.state !== 'awaiting-approval' || !planned)
      throw new AgentError(`run ${this.taskId} is ${this.record.state}, not awaiting approval`, {
        code: 'NOT_AWAITING_APPROVAL',
      });
    return captureCheckpoint(
      planned.client,
      {
        agent: this.ctx.profile.name,
        options: this.options,
        plan: this.record.plan ?? '',
        ...(planned.sessionId ? { sessionId: planned.sessionId } : {}),
        startTree: planned.startTree,
      },
      options,
    );
  }

  /** Stops the agent and deletes the sandbox; output and diff so far are kept. */
  async cancel(): Promise<AgentRunRecord> {
    this.stop('CANCELLED', 'the run was cancelled');
    if (this.decide) this.takeDecision({ approve: false });
    return this.finished();
  }

  private takeDecision(decision: Decision) {
    if (this.record.state !== 'awaiting-approval' || !this.decide)
      throw new AgentError(`run ${this.taskId} is ${this.record.state}, not awaiting approval`, {
        code: 'NOT_AWAITING_APPROVAL',
      });
    const decide = this.decide;
    this.decide = undefined;
    this.setState(decision.approve ? 'running' : 'rejected');
    decide(decision);
  }

  private stop(code: string, message: string) {
    this.stopReason ??= { code, message };
    this.abort.abort(new AgentRunError(message, { code }));
  }

  private emit(body: AgentEventBody, rawIndex?: number) {
    // without a gateway (image placement) the agent's own report is the only usage figure
    if (body.type === 'usage') {
      this.agentUsage.inputTokens += body.inputTokens;
      this.agentUsage.outputTokens += body.outputTokens;
      this.agentUsage.costUsd += body.costUsd ?? 0;
    } else if (body.type === 'result') this.agentUsage.turns += body.turns;
    this.log.push(body, rawIndex);
  }

  private setState(state: AgentRunState) {
    this.record.state = state;
    if (TERMINAL.has(state) || state === 'awaiting-approval') {
      const snap = this.snapshot();
      for (const s of this.settled.splice(0)) s(snap);
    }
  }

  private snapshot(): AgentRunRecord {
    return {
      ...this.record,
      files: [...this.record.files],
      usage: { ...this.record.usage },
      timings: {
        ...this.record.timings,
        ...(this.record.timings.setup ? { setup: { ...this.record.timings.setup } } : {}),
      },
    };
  }

  private async drive(): Promise<void> {
    const { ctx, options } = this;
    const signal = this.abort.signal;
    const timer = setTimeout(
      () => this.stop('TIMEOUT', `the run exceeded its timeoutMs (${options.timeoutMs} ms)`),
      options.timeoutMs,
    );
    let release: (() => void) | undefined;
    let gateway: ModelGateway | undefined;
    let sandbox: ProvisionedSandbox | undefined;
    let client: RunnerClient | undefined;
    let agentEndedAt: number | undefined;
    const resumed = ctx.resumeFrom;
    let decision: Decision | undefined;
    const setup: SetupTimings = {};
    this.record.timings.setup = setup;
    let lapFrom = performance.now();
    const lap = () => {
      const now = performance.now();
      const ms = now - lapFrom;
      lapFrom = now;
      return ms;
    };
    try {
      if (resumed) {
        // resumed after a restart: no slot, gateway or sandbox is held while a person decides
        clearTimeout(timer);
        decision = await this.awaitDecision(signal);
        if (!decision.approve) return;
        timer.refresh();
      }
      release = await ctx.acquire(signal);
      setup.queueMs = lap();
      if (ctx.profile.api !== 'none' && ctx.placement === 'host') {
        gateway = await startGateway({
          parentDir: ctx.gatewayParentDir,
          api: ctx.profile.api,
          upstreamUrl: ctx.upstream.url,
          apiKey: ctx.upstream.apiKey,
          limits: {
            ...(options.maxTokens === undefined ? {} : { maxTokens: options.maxTokens }),
            ...(options.maxCostUsd === undefined ? {} : { maxCostUsd: options.maxCostUsd }),
            ...(options.maxTurns === undefined ? {} : { maxTurns: options.maxTurns }),
          },
          ...(ctx.pricing ? { pricing: ctx.pricing } : {}),
          onStop: (r) => this.stop(r.code, r.message),
        });
        setup.gatewayStartMs = lap();
      }
      const binds: Record<string, string> = {};
      if (ctx.installed && ctx.placement === 'host') binds.agent = ctx.installed.dir;
      if (gateway) binds.gateway = gateway.dir;
      let workspace = options.workspace;
      if (!resumed && 'repo' in workspace && localRepoPath(workspace.repo)) {
        binds.source = localRepoPath(workspace.repo)!;
        workspace = { ...workspace, repo: IN_SANDBOX.source };
      }
      const hosts = [...options.allowHosts];
      // the host side of the copy runs while the sandbox starts
      const packed = 'dir' in workspace ? packWorkspace(workspace.dir, signal) : undefined;
      packed?.catch(() => undefined); // awaited (and reported) by prepareWorkspace
      sandbox = await ctx.provider.create({
        id: this.sandboxId,
        owner: ctx.owner,
        taskId: options.taskId,
        labels: { 'agent-profile': ctx.profile.name },
        // on `image` the template's NetworkPolicy decides the pod's egress
        ...(ctx.placement === 'host'
          ? { network: hosts.length ? { mode: 'allow', domains: hosts } : { mode: 'none' } }
          : {}),
        readOnlyBinds: binds,
        maxLifetimeMs: options.timeoutMs + options.approvalTimeoutMs + 60_000,
        signal,
      });
      setup.sandboxCreateMs = lap();
      client = new RunnerClient(sandbox.endpoint);
      // started now, awaited just before the agent: node's start overlaps the workspace copy
      const bridge = gateway ? startBridge(client, signal) : undefined;
      // if the copy fails first, the bridge's own failure must not go unhandled
      bridge?.catch(() => undefined);
      const shownAs = 'repo' in options.workspace ? options.workspace.repo : undefined;
      let startTree: string;
      if (resumed) {
        // the checkpoint restores $HOME too: its files first, then the profile's over them
        startTree = await restoreCheckpoint(client, resumed, signal);
        await this.prepareHome(client, signal);
      } else {
        // independent directories (repo/ and home/): written side by side
        [startTree] = await Promise.all([
          prepareWorkspace(client, workspace, signal, shownAs, packed),
          this.prepareHome(client, signal),
        ]);
      }
      this.startTreeForCapture = startTree;
      setup.workspaceMs = lap();
      if (bridge) {
        await bridge;
        setup.bridgeWaitMs = lap();
      }
      this.setState('running');

      let phase = resumed
        ? {
            ok: true,
            text: resumed.plan,
            ...(resumed.sessionId ? { sessionId: resumed.sessionId } : {}),
          }
        : await this.runPhase(client, gateway, options.mode, options.prompt, undefined);
      if (options.mode === 'plan' && phase.ok) {
        if (!decision) {
          const changes = await collectChanges(client, startTree, signal);
          if (changes.files.length > 0) {
            throw new AgentRunError(
              `the agent changed ${changes.files.map((f) => f.path).join(', ')} while planning; plan mode must not modify the workspace`,
              { code: 'PLAN_MODIFIED_WORKSPACE' },
            );
          }
          this.record.plan = phase.plan ?? phase.text;
          this.record.text = this.record.plan;
          this.planned = {
            client,
            startTree,
            ...(phase.sessionId ? { sessionId: phase.sessionId } : {}),
          };
          this.emit({ type: 'awaiting.approval' });
          clearTimeout(timer);
          decision = await this.awaitDecision(signal);
          this.planned = undefined;
          if (!decision.approve) return;
          timer.refresh();
        }
        const feedback = decision.approve ? decision.feedback : undefined;
        const prompt = feedback
          ? `The plan is approved, with this feedback: ${feedback}\nExecute it now.`
          : 'The plan is approved. Execute it now.';
        phase = await this.runPhase(client, gateway, 'execute', prompt, phase.sessionId);
      }
      agentEndedAt = performance.now();
      const changes = await collectChanges(client, startTree, signal);
      this.record.diff = changes.diff;
      this.record.files = changes.files;
      for (const f of changes.files) this.emit({ type: 'file.changed', ...f });
      if (options.archive) this.record.archive = await workspaceTar(client, signal);
      this.record.text = phase.text;
      if (!phase.ok) {
        const error = this.stopReason ??
          phase.error ?? { code: 'AGENT_FAILED', message: 'the agent failed' };
        this.record.error = error;
        this.setState(this.stopReason?.code === 'CANCELLED' ? 'cancelled' : 'failed');
      } else {
        this.setState('succeeded');
      }
    } catch (error) {
      const reason = this.stopReason ?? errorInfo(error);
      this.record.error = reason;
      this.emit({ type: 'error', code: reason.code, message: reason.message, fatal: true });
      // output and diff are captured before cleanup whenever the sandbox is still there
      if (client && this.record.files.length === 0) {
        await this.captureAfterFailure(client).catch(() => undefined);
      }
      this.setState(reason.code === 'CANCELLED' ? 'cancelled' : 'failed');
    } finally {
      clearTimeout(timer);
      if (!gateway) {
        this.record.usage = { ...this.agentUsage };
      } else {
        this.record.usage = {
          inputTokens: gateway.usage.inputTokens,
          outputTokens: gateway.usage.outputTokens,
          costUsd: gateway.costUsd(),
          turns: gateway.turns,
        };
        if (gateway.firstRequestAt !== undefined)
          this.record.timings.toFirstModelRequestMs = gateway.firstRequestAt - this.startedAt;
      }
      client?.close();
      if (sandbox) await ctx.provider.delete(sandbox.info.id).catch(() => undefined);
      await gateway?.close().catch(() => undefined);
      release?.();
      if (agentEndedAt !== undefined)
        this.record.timings.finishMs = performance.now() - agentEndedAt;
      this.record.timings.totalMs = performance.now() - this.startedAt;
      if (!TERMINAL.has(this.record.state)) this.setState('failed');
      this.log.close();
      ctx.onDone(this);
    }
  }

  private startTreeForCapture: string | undefined;

  private async captureAfterFailure(client: RunnerClient) {
    if (!this.startTreeForCapture) return;
    const changes = await collectChanges(client, this.startTreeForCapture);
    this.record.diff = changes.diff;
    this.record.files = changes.files;
  }

  private awaitDecision(signal: AbortSignal): Promise<Decision> {
    return new Promise((resolve) => {
      const timeout = setTimeout(() => {
        this.decide = undefined;
        this.stop(
          'APPROVAL_TIMEOUT',
          `no decision within approvalTimeoutMs (${this.options.approvalTimeoutMs} ms)`,
        );
        resolve({ approve: false });
      }, this.options.approvalTimeoutMs);
      const finish = (d: Decision) => {
        clearTimeout(timeout);
        resolve(d);
      };
      this.decide = finish;
      signal.addEventListener('abort', () => finish({ approve: false }), { once: true });
      this.setState('awaiting-approval');
    });
  }

  /**
   * Makes `$HOME` under the runner's root (which the image decides: `/work` locally and in the
   * fake cluster, `/workspace` in Corral's runner image) and, on `image`, reads the model base
   * URL from the pod's environment (the profile's config files need it; the key stays there).
   */
  private async prepareHome(client: RunnerClient, signal: AbortSignal) {
    const { profile, placement } = this.ctx;
    const urlVar =
      placement === 'image' && profile.api !== 'none' ? POD_MODEL_ENV[profile.api].baseUrl : '';
    const probe = await client.commands.run(
      [
        '/bin/sh',
        '-c',
        `mkdir -p ${HOME} && pwd && printf '%s' "\${${urlVar || 'CORRAL_NONE'}:-}"`,
      ],
      { signal },
    );
    const [root = '', podUrl = ''] = probe.stdout.split('\n');
    if (probe.exitCode !== 0 || !root.startsWith('/'))
      throw new AgentRunError(
        `cannot prepare the agent's home in the sandbox: ${probe.stderr.trim()}`,
      );
    this.home = `${root}/${HOME}`;
    if (placement === 'image')
      this.baseUrl = podBaseUrl(profile.api, podUrl || profile.upstreamUrl || '');
    const files = profile.homeFiles?.({
      baseUrl: this.baseUrl,
      home: this.home,
      ...(this.options.model ? { model: this.options.model } : {}),
    });
    for (const [path, content] of Object.entries(files ?? {})) {
      await client.files.write(join(HOME, path), content, { signal });
    }
  }

  private async runPhase(
    client: RunnerClient,
    gateway: ModelGateway | undefined,
    mode: RunMode,
    prompt: string,
    resumeSessionId: string | undefined,
  ) {
    const { profile } = this.ctx;
    const { baseUrl, home } = this;
    const bin = this.ctx.installed ? `${IN_SANDBOX.agent}/${this.ctx.installed.binary}` : '';
    const agentArgv = profile.command({
      bin,
      prompt,
      mode,
      baseUrl,
      ...(this.options.model ? { model: this.options.model } : {}),
      ...(this.options.maxTurns === undefined ? {} : { maxTurns: this.options.maxTurns }),
      ...(resumeSessionId ? { resumeSessionId } : {}),
    });
    const launch =
      this.ctx.placement === 'image'
        ? imageAgentLaunch(profile, { baseUrl, home }, agentArgv)
        : undefined;
    // the bridge (with a gateway) is a command of its own, started with the sandbox
    const argv = launch ? launch.argv : agentArgv;
    const env = {
      HOME: home,
      ...(launch?.env ?? profile.env({ baseUrl, token: gateway?.token ?? '', home })),
    };
    const parser = profile.parser(mode);
    let pending = '';
    let stderr = '';
    let sessionId: string | undefined;
    let plan: string | undefined;
    let resultText = '';
    let error: { code: string; message: string } | undefined;
    const handle = (bodies: AgentEventBody[], rawIndex?: number) => {
      for (const body of bodies) {
        if (body.type === 'session.started' && body.sessionId) sessionId = body.sessionId;
        if (body.type === 'plan.ready') plan = body.plan;
        if (body.type === 'result') resultText = body.text;
        if (body.type === 'error' && body.fatal)
          error ??= { code: body.code, message: body.message };
        this.emit(body, rawIndex);
      }
    };
    const onLine = (line: string) => handle(parser.line(line), this.log.addRaw(line));
    const started = performance.now();
    let exitCode: number | null = null;
    try {
      const result = await client.commands.run(argv, {
        cwd: WORKSPACE_DIR,
        env,
        signal: this.abort.signal,
        onStdout: (text) => {
          pending += text;
          let at: number;
          while ((at = pending.indexOf('\n')) >= 0) {
            onLine(pending.slice(0, at));
            pending = pending.slice(at + 1);
          }
        },
        onStderr: (text) => {
          stderr = (stderr + text).slice(-4000);
        },
      });
      // killed by a signal: reported as a shell does (128 + n), as the agent's own exit code
      exitCode =
        result.exitCode ??
        (result.signal ? 128 + (osConstants.signals[result.signal as NodeJS.Signals] ?? 0) : null);
    } catch (e) {
      if (!this.stopReason) throw e;
    }
    if (pending) onLine(pending);
    handle(parser.end({ exitCode, durationMs: performance.now() - started }));
    if (this.stopReason) {
      error = this.stopReason;
    } else if (exitCode !== 0 && !error) {
      error = {
        code: 'AGENT_CRASHED',
        message:
          `${profile.name} exited with ${exitCode ?? 'a signal'} before its result: ` +
          `${stderr.trim().split('\n').slice(-5).join(' | ') || 'no output on stderr'}. ` +
          'The events so far (and rawLines) show its last steps; rerun the task to retry.',
      };
      this.emit({ type: 'error', ...error, fatal: true });
    }
    const ok = !error && exitCode === 0;
    return {
      ok,
      text: resultText,
      ...(plan ? { plan } : {}),
      ...(sessionId ? { sessionId } : {}),
      ...(error ? { error } : {}),
    };
  }
}

/**
 * Starts the in-sandbox half of the gateway (loopback → the gateway's socket) as a background
 * command that lives as long as the sandbox; resolves once it accepts connections.
 */
async function startBridge(client: RunnerClient, signal: AbortSignal): Promise<void> {
  let ready: () => void = () => undefined;
  const listening = new Promise<void>((resolve) => (ready = resolve));
  let out = '';
  const handle = await client.commands.run(
    [
      NODE_INSIDE,
      `${IN_SANDBOX.gateway}/${BRIDGE_FILE}`,
      `${IN_SANDBOX.gateway}/${GATEWAY_SOCKET}`,
      String(BRIDGE_PORT),
    ],
    {
      background: true,
      keepStdinOpen: false,
      signal,
      onStdout: (text) => {
        out += text;
        if (out.includes(BRIDGE_READY)) ready();
      },
    },
  );
  const exited = handle.wait().then((r) => {
    throw new AgentRunError(
      `the model bridge in the sandbox exited with ${r.exitCode ?? 'a signal'} before it was ready: ${r.stderr.trim() || 'no output'}`,
      { code: 'BRIDGE_FAILED' },
    );
  });
  // after readiness the handle ends only with the sandbox; nothing waits for it then
  exited.catch(() => undefined);
  await Promise.race([listening, exited]);
}

function localRepoPath(repo: string): string | undefined {
  if (repo.startsWith('file://')) return new URL(repo).pathname;
  if (repo.startsWith('/')) return repo;
  return undefined;
}

function errorInfo(error: unknown): { code: string; message: string } {
  if (error && typeof error === 'object' && 'code' in error && typeof error.code === 'string')
    return { code: error.code, message: (error as unknown as Error).message };
  return { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
}
