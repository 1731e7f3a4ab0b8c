/**
 * One phase of an agent run (plan, or execute): the agent's command in the sandbox, its output
 * parsed into events as it arrives, and the outcome (its result text, plan, session, error).
 */
import { constants as osConstants } from 'node:os';
import type { RunnerClient } from '@corral/sdk';
import { compact } from '@corral/sdk';
import type { AgentEventBody } from './events.js';
import type { ModelGateway } from './gateway/gateway.js';
import type { InstalledAgent } from './install.js';
import { IN_SANDBOX } from './in-sandbox.js';
import type { AgentRunOptions } from './options.js';
import { imageAgentLaunch, type AgentPlacement } from './placement.js';
import type { AgentProfile, RunMode } from './profiles/types.js';
import { WORKSPACE_DIR } from './workspace.js';

export interface PhaseInput {
  client: RunnerClient;
  gateway: ModelGateway | undefined;
  ctx: { profile: AgentProfile; placement: AgentPlacement; installed?: InstalledAgent };
  options: AgentRunOptions;
  home: string;
  baseUrl: string;
  mode: RunMode;
  prompt: string;
  resumeSessionId: string | undefined;
  signal: AbortSignal;
  emit(body: AgentEventBody, rawIndex?: number): void;
  addRaw(line: string): number;
  /** Why the run was stopped (timeout, limit, cancel), if it was. */
  stopReason(): { code: string; message: string } | undefined;
}

export interface PhaseOutcome {
  ok: boolean;
  text: string;
  plan?: string;
  sessionId?: string;
  error?: { code: string; message: string };
}

export async function runAgentPhase(input: PhaseInput): Promise<PhaseOutcome> {
  const { profile, installed, placement } = input.ctx;
  const { baseUrl, home, options, client, gateway, mode, prompt, resumeSessionId } = input;
  const bin = installed ? `${IN_SANDBOX.agent}/${installed.binary}` : '';
  const agentArgv = profile.command({
    bin,
    prompt,
    mode,
    baseUrl,
    ...(options.model ? { model: options.model } : {}),
    ...compact({ maxTurns: options.maxTurns }),
    ...(resumeSessionId ? { resumeSessionId } : {}),
  });
  const launch =
    placement === 'image' ? imageAgentLaunch(profile, { baseUrl, home }, agentArgv) : undefined;
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
      if (body.type === 'error' && body.fatal) error ??= { code: body.code, message: body.message };
      input.emit(body, rawIndex);
    }
  };
  const onLine = (line: string) => handle(parser.line(line), input.addRaw(line));
  const started = performance.now();
  let exitCode: number | null = null;
  try {
    const result = await client.commands.run(argv, {
      cwd: WORKSPACE_DIR,
      env,
      signal: input.signal,
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
    if (!input.stopReason()) throw e;
  }
  if (pending) onLine(pending);
  handle(parser.end({ exitCode, durationMs: performance.now() - started }));
  if (input.stopReason()) {
    error = input.stopReason();
  } else if (exitCode !== 0 && !error) {
    error = {
      code: 'AGENT_CRASHED',
      message:
        `${profile.name} exited with ${exitCode ?? 'a signal'} before its result: ` +
        `${stderr.trim().split('\n').slice(-5).join(' | ') || 'no output on stderr'}. ` +
        'The events so far (and rawLines) show its last steps; rerun the task to retry.',
    };
    input.emit({ type: 'error', ...error, fatal: true });
  }
  const ok = !error && exitCode === 0;
  return {
    ok,
    text: resultText,
    ...(plan ? { plan } : {}),
    ...(sessionId ? { sessionId } : {}),
    ...compact({ error }),
  };
}
