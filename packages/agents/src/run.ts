/**
 * One agent run: sandbox → workspace in → agent (plan, then on approval the same session
 * resumed) → changes out → sandbox gone. The sandbox is KEPT between plan and approval: the
 * agent's session files live in its `$HOME` inside the sandbox, and the workspace there is
 * exactly what the plan was made against, so `approve()` resumes instantly with no copy or
 * restore; the cost is a sandbox held while a person decides, bounded by `approvalTimeoutMs`.
 * If the process holding the run goes away, `checkpoint()` (taken while waiting) lets another
 * one resume the run in a new sandbox (`ctx.resumeFrom`, checkpoint.ts).
 */
import { RunnerClient, type ProvisionedSandbox, type SandboxProvider, compact } from '@corral/sdk';
import { sandboxIdFor } from '@corral/orchestrator';
import { prepareAgentHome } from './agent-home.js';
import { runAgentPhase, type PhaseOutcome } from './agent-phase.js';
import { captureCheckpoint, restoreCheckpoint, type RunCheckpoint } from './checkpoint.js';
import { AgentError, AgentRunError } from './errors.js';
import { EventLog } from './event-log.js';
import type { AgentEvent, AgentEventBody } from './events.js';
import { BRIDGE_PORT } from './gateway/bridge.js';
import { startGateway, type ModelGateway } from './gateway/gateway.js';
import type { Pricing } from './gateway/usage.js';
import { IN_SANDBOX, startBridge } from './in-sandbox.js';
import type { InstalledAgent } from './install.js';
import type { AgentRunOptions } from './options.js';
import type { AgentPlacement } from './placement.js';
import type { AgentProfile, RunMode } from './profiles/types.js';
import {
  TERMINAL,
  type AgentRunRecord,
  type AgentRunState,
  type SetupTimings,
} from './run-record.js';
import { collectChanges, packWorkspace, prepareWorkspace, workspaceTar } from './workspace.js';

export type { AgentRunRecord, AgentRunState, SetupTimings } from './run-record.js';

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

type Decision = { approve: true; feedback?: string } | { approve: false };

export class AgentRun {
  readonly taskId: string;
  readonly sandboxId: string;
  private readonly log = new EventLog();
  private readonly agentUsage = { inputTokens: 0, outputTokens: 0, costUsd: 0, turns: 0 };
  /** The agent's `$HOME` and model base URL inside the sandbox (set by `prepareHome`). */
  private home = '/work/home';
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
      gateway = await this.startRunGateway();
      if (gateway) setup.gatewayStartMs = lap();
      const made = await this.createSandbox(gateway, signal);
      sandbox = made.sandbox;
      const { workspace, packed } = made;
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
      this.recordUsage(gateway);
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

  /** The host-side model gateway (local placement): the key is added on the way out there. */
  private async startRunGateway(): Promise<ModelGateway | undefined> {
    const { ctx, options } = this;
    if (ctx.profile.api === 'none' || ctx.placement !== 'host') return undefined;
    return startGateway({
      parentDir: ctx.gatewayParentDir,
      api: ctx.profile.api,
      upstreamUrl: ctx.upstream.url,
      apiKey: ctx.upstream.apiKey,
      limits: compact({
        maxTokens: options.maxTokens,
        maxCostUsd: options.maxCostUsd,
        maxTurns: options.maxTurns,
      }),
      ...compact({ pricing: ctx.pricing }),
      onStop: (r) => this.stop(r.code, r.message),
    });
  }

  /** The run's sandbox, with the agent, the gateway and a local repo bound in read-only. */
  private async createSandbox(gateway: ModelGateway | undefined, signal: AbortSignal) {
    const { ctx, options } = this;
    const binds: Record<string, string> = {};
    if (ctx.installed && ctx.placement === 'host') binds.agent = ctx.installed.dir;
    if (gateway) binds.gateway = gateway.dir;
    let workspace = options.workspace;
    if (!ctx.resumeFrom && 'repo' in workspace && localRepoPath(workspace.repo)) {
      binds.source = localRepoPath(workspace.repo)!;
      workspace = { ...workspace, repo: IN_SANDBOX.source };
    }
    const hosts = [...options.allowHosts];
    // the host side of the copy runs while the sandbox starts
    const packed = 'dir' in workspace ? packWorkspace(workspace.dir, signal) : undefined;
    packed?.catch(() => undefined); // awaited (and reported) by prepareWorkspace
    const sandbox = await ctx.provider.create({
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
    return { sandbox, workspace, packed };
  }

  private recordUsage(gateway: ModelGateway | undefined) {
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

  private async prepareHome(client: RunnerClient, signal: AbortSignal) {
    const prepared = await prepareAgentHome(client, this.ctx, this.options.model, signal);
    this.home = prepared.home;
    if (prepared.baseUrl !== undefined) this.baseUrl = prepared.baseUrl;
  }

  private runPhase(
    client: RunnerClient,
    gateway: ModelGateway | undefined,
    mode: RunMode,
    prompt: string,
    resumeSessionId: string | undefined,
  ): Promise<PhaseOutcome> {
    return runAgentPhase({
      client,
      gateway,
      ctx: this.ctx,
      options: this.options,
      home: this.home,
      baseUrl: this.baseUrl,
      mode,
      prompt,
      resumeSessionId,
      signal: this.abort.signal,
      emit: (body, rawIndex) => this.emit(body, rawIndex),
      addRaw: (line) => this.log.addRaw(line),
      stopReason: () => this.stopReason,
    });
  }
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
