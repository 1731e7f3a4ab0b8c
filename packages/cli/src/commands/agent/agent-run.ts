import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  AgentError,
  AgentRunner,
  builtinProfiles,
  codexProfile,
  genericProfile,
  InvalidAgentOptionsError,
  type AgentProfile,
  type AgentRun,
  type AgentRunRecord,
} from '@corral/agents';
import { compact } from '@corral/sdk';
import type { CliContext } from '../../context.js';
import { signalExitCode } from '../../error-handler.js';
import { ExitCode } from '../../exit-codes.js';
import { withKubernetes } from '../../kube/provider.js';
import { createUi, type Ui } from '../../output/ui.js';
import { parseDuration } from '../../parse/duration.js';
import { parsePositiveInteger } from '../../parse/number.js';
import { withProvider } from '../lifecycle.js';
import {
  describeAgentError,
  describeAgentFailure,
  reportAgentError,
  AGENT_FAILED_EXIT,
} from './agent-errors.js';
import { agentCacheDir } from './agent-list.js';
import { checkAgentProvider, podStartHint, type AgentProviderFlags } from './agent-provider.js';
import { Transcript } from './transcript.js';

export interface AgentRunFlags extends AgentProviderFlags {
  agent: string;
  agentCommand?: string;
  workspace?: string;
  repo?: string;
  ref?: string;
  plan: boolean;
  yes: boolean;
  model?: string;
  timeout: string;
  out?: string;
  taskId?: string;
  json: boolean;
}

/**
 * `corral agent run`: one agent run in a fresh sandbox through `AgentRunner` — locally (the key
 * stays in this process; the sandbox reaches the model only through the run's gateway) or in a
 * runner pod (`--provider kubernetes`: the agent in the image, the key in the pod from a Secret).
 * With `--plan` the plan phase runs read-only, the plan is printed and, unless `--yes`, the user
 * answers y/N on stdin; the same session then executes in the same sandbox.
 */
export async function agentRunCommand(
  prompt: string,
  flags: AgentRunFlags,
  ctx: CliContext,
): Promise<number> {
  const ui = createUi(ctx, { json: flags.json });
  let request: Parameters<AgentRunner['run']>[0];
  let profile: AgentProfile;
  let where: ReturnType<typeof checkAgentProvider>;
  try {
    profile = await chooseProfile(flags, ctx);
    request = buildRequest(prompt, flags, profile);
    where = checkAgentProvider(flags, profile, ctx);
  } catch (error) {
    // nothing was made yet: a bad flag, an unknown agent, a missing key, a refused limit
    return reportAgentError(describeAgentError(error, ctx), ctx, flags);
  }
  return withProvider(withKubernetes(ctx, flags), where, async (provider) => {
    const runner = new AgentRunner({
      provider,
      concurrency: 1,
      profiles: [profile],
      // on Kubernetes the image has the agent and the pod the key: neither is read here
      ...(where === 'local'
        ? { cacheDir: agentCacheDir(flags, ctx), upstreams: upstreamsFrom(ctx.env) }
        : {}),
    });
    let run: AgentRun | undefined;
    const cancel = () => void run?.cancel();
    ctx.signal.addEventListener('abort', cancel, { once: true });
    try {
      run = await runner.run(request);
      const record = await drive(run, flags, ctx, ui);
      return await finish(record, { ...flags, provider: where }, ctx, ui);
    } catch (error) {
      return reportAgentError(describeAgentError(error, ctx), ctx, flags);
    } finally {
      ctx.signal.removeEventListener('abort', cancel);
      await runner.close();
    }
  });
}

async function drive(
  run: AgentRun,
  flags: AgentRunFlags,
  ctx: CliContext,
  ui: Ui,
): Promise<AgentRunRecord> {
  const transcript = new Transcript(ui);
  let awaiting: () => void = () => undefined;
  const approvalAsked = new Promise<'awaiting'>((resolve) => {
    awaiting = () => resolve('awaiting');
  });
  if (!ui.json) transcript.waiting('Starting the sandbox…');
  const consumed = (async () => {
    for await (const event of run.events()) {
      if (ui.json) ctx.stdout.write(`${JSON.stringify(event)}\n`);
      else transcript.event(event);
      if (event.type === 'awaiting.approval') awaiting();
    }
    transcript.flush();
    transcript.stop();
    return 'done' as const;
  })();
  // every event up to the plan is printed before the question is asked
  if ((await Promise.race([approvalAsked, consumed])) === 'awaiting') {
    const approved = flags.yes || (await ask(ctx, 'Execute this plan? [y/N] '));
    if (approved) {
      if (!ui.json) {
        ui.status(ui.paint('dim', flags.yes ? 'Approved (--yes); executing…' : 'Executing…'));
        transcript.waiting('Thinking…');
      }
      await run.approve();
    } else {
      await run.reject();
    }
  }
  await consumed;
  return run.finished();
}

async function finish(
  record: AgentRunRecord,
  flags: AgentRunFlags,
  ctx: CliContext,
  ui: Ui,
): Promise<number> {
  if (flags.out !== undefined && record.state !== 'rejected')
    await writeFile(resolve(flags.out), record.diff);
  const exitCode = exitCodeFor(record, ctx);
  if (ui.json) {
    // the archive (a Buffer) is never asked for here; the record is the rest
    const rest: Partial<AgentRunRecord> = { ...record };
    delete rest.archive;
    ctx.stdout.write(`${JSON.stringify({ type: 'run.record', exitCode, ...rest })}\n`);
  } else {
    const u = record.usage;
    const seconds = (record.timings.totalMs / 1000).toFixed(1);
    const cost = u.costUsd > 0 ? `, $${u.costUsd.toFixed(4)}` : '';
    ui.status(
      ui.paint(
        'dim',
        `usage: ${u.inputTokens} input / ${u.outputTokens} output tokens${cost}, ${u.turns} model requests, ${seconds} s`,
      ),
    );
    if (record.files.length > 0) {
      const where = flags.out === undefined ? ' (--out FILE writes the diff)' : ` → ${flags.out}`;
      ui.status(`${record.files.length} file(s) changed${where}`);
    }
  }
  if (record.state === 'succeeded') return exitCode;
  if (record.state === 'rejected') {
    ui.status('Plan not approved; nothing was executed and the sandbox was removed.');
    return exitCode;
  }
  const error = record.error ?? { code: 'AGENT_FAILED', message: 'the agent did not succeed' };
  const described = describeAgentFailure(error);
  if (flags.provider === 'kubernetes') described.hint = podStartHint(error.code) ?? described.hint;
  const paint = ui.paint;
  ctx.stderr.write(
    `${paint('red', 'Error:')} ${described.message}\n${paint('dim', `Hint: ${described.hint}`)}\n`,
  );
  return exitCode;
}

function exitCodeFor(record: AgentRunRecord, ctx: CliContext): number {
  if (record.state === 'succeeded') return ExitCode.OK;
  if (record.state === 'rejected') return AGENT_FAILED_EXIT;
  if (record.state === 'cancelled') return signalExitCode(ctx.signal) ?? ExitCode.FAILURE;
  return describeAgentFailure(record.error ?? { code: 'AGENT_FAILED', message: '' }).exitCode;
}

async function chooseProfile(flags: AgentRunFlags, ctx: CliContext): Promise<AgentProfile> {
  if (flags.agent === 'generic') {
    if (!flags.agentCommand)
      throw new InvalidAgentOptionsError(
        '--agent generic needs --agent-command "<shell command>". The command runs with /bin/sh -c inside the sandbox; the prompt is its $1.',
      );
    return genericProfile('generic', ['/bin/sh', '-c', flags.agentCommand, 'agent']);
  }
  if (flags.agent === 'codex' && ctx.env.CORRAL_CODEX_MODEL_CATALOG) {
    // a catalog with a `"tool_mode": "direct"` model (e.g. the scripted test model) instead of Codex's own
    return codexProfile({ modelCatalog: await readCatalog(ctx.env.CORRAL_CODEX_MODEL_CATALOG) });
  }
  if (flags.agentCommand !== undefined)
    throw new InvalidAgentOptionsError(
      '--agent-command goes with --agent generic only. Drop --agent-command, or use --agent generic.',
    );
  const profile = builtinProfiles.find((p) => p.name === flags.agent);
  if (!profile)
    throw new AgentError(
      `unknown agent ${JSON.stringify(flags.agent)}; use one of ${[...builtinProfiles.map((p) => p.name), 'generic'].join(', ')}.`,
      { code: 'UNKNOWN_AGENT' },
    );
  return profile;
}

function buildRequest(
  prompt: string,
  flags: AgentRunFlags,
  profile: AgentProfile,
): Parameters<AgentRunner['run']>[0] {
  if ((flags.workspace === undefined) === (flags.repo === undefined))
    throw new InvalidAgentOptionsError(
      'name the workspace with exactly one of --workspace DIR or --repo URL. e.g. corral agent run --agent claude-code --workspace . "fix the failing test"',
    );
  if (flags.ref !== undefined && flags.repo === undefined)
    throw new InvalidAgentOptionsError('--ref goes with --repo. Add --repo URL.');
  if (flags.yes && !flags.plan)
    throw new InvalidAgentOptionsError(
      '--yes answers the plan approval, so it needs --plan. Add --plan, or drop --yes (without --plan the agent executes directly).',
    );
  if (prompt.trim() === '')
    throw new InvalidAgentOptionsError('the prompt is empty. Say what the agent should do.');
  const workspace =
    flags.repo !== undefined
      ? compact({ repo: flags.repo, ref: flags.ref })
      : { dir: resolve(flags.workspace ?? '.') };
  const host = flags.repo === undefined ? undefined : remoteHost(flags.repo);
  return {
    agent: profile.name,
    taskId: flags.taskId ?? `agent-${randomBytes(4).toString('hex')}`,
    prompt,
    workspace,
    mode: flags.plan ? 'plan' : 'execute',
    timeoutMs: parseDuration(flags.timeout, '--timeout'),
    ...compact({ model: flags.model }),
    ...(flags.maxTurns === undefined
      ? {}
      : { maxTurns: parsePositiveInteger(flags.maxTurns, '--max-turns', '--max-turns 20') }),
    ...(host === undefined ? {} : { allowHosts: [host] }),
  };
}

/** The git server a remote `--repo` is cloned from: the sandbox's allow-list gets that one host. */
function remoteHost(repo: string): string | undefined {
  if (repo.startsWith('/') || repo.startsWith('file://')) return undefined;
  const scp = /^[^@/]+@([^:/]+):/.exec(repo);
  if (scp) return scp[1];
  try {
    return new URL(repo).hostname || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The model endpoints, as the SDKs of both vendors read them: `ANTHROPIC_BASE_URL` (no `/v1`)
 * and `OPENAI_BASE_URL` (with `/v1`, which the agent's own requests already carry).
 */
function upstreamsFrom(env: CliContext['env']) {
  const openaiUrl = env.OPENAI_BASE_URL?.replace(/\/+$/, '').replace(/\/v1$/, '');
  return {
    anthropic: {
      ...(env.ANTHROPIC_BASE_URL ? { url: env.ANTHROPIC_BASE_URL } : {}),
      ...(env.ANTHROPIC_API_KEY ? { apiKey: env.ANTHROPIC_API_KEY } : {}),
    },
    openai: {
      ...(openaiUrl ? { url: openaiUrl } : {}),
      ...(env.OPENAI_API_KEY ? { apiKey: env.OPENAI_API_KEY } : {}),
    },
  };
}

/** One line from stdin; end of input (or anything but y/yes) is No. */
async function ask(ctx: CliContext, question: string): Promise<boolean> {
  ctx.stderr.write(question);
  let line = '';
  for await (const chunk of ctx.stdin) {
    line += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (line.includes('\n')) break;
  }
  const answer = line.split('\n')[0]?.trim().toLowerCase() ?? '';
  if (!line.includes('\n')) ctx.stderr.write('\n');
  return answer === 'y' || answer === 'yes';
}

async function readCatalog(path: string): Promise<{ models: unknown[] }> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new InvalidAgentOptionsError(
      `CORRAL_CODEX_MODEL_CATALOG=${path} is not a readable JSON file (${error instanceof Error ? error.message : String(error)}).`,
    );
  }
  const models = (parsed as { models?: unknown }).models;
  if (!Array.isArray(models))
    throw new InvalidAgentOptionsError(
      `CORRAL_CODEX_MODEL_CATALOG=${path} has no "models" array; see packages/agents/test/model-server/codex-model-catalog.json.`,
    );
  return { models };
}
