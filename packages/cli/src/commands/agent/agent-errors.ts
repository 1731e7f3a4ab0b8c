/**
 * What the user sees, and the exit code, for the conditions an agent run adds (the agents
 * package's `AgentError` codes and a run's `error.code`). SDK errors keep the CLI's one table
 * (`describeError`); this file only adds the agent codes beside it.
 */
import { AgentError } from '@corral/agents';
import type { CliContext } from '../../context.js';
import { BY_CODE, describeError, type HandledError } from '../../error-handler.js';
import { ExitCode } from '../../exit-codes.js';
import { isInteractive, painter } from '../../output/style.js';

/** The agent ran and did not succeed (its own failure, a refused plan): not Corral's fault. */
export const AGENT_FAILED_EXIT = 1;

const AGENT_CODES: Record<string, { exitCode: number; hint: string }> = {
  INVALID_ARGUMENT: { exitCode: ExitCode.USAGE, hint: 'Run `corral agent run --help`.' },
  UNKNOWN_AGENT: {
    exitCode: ExitCode.USAGE,
    hint: '`corral agent list` shows the profiles; a generic command is --agent generic --agent-command "<shell>".',
  },
  AGENT_NOT_INSTALLED: {
    exitCode: ExitCode.UNAVAILABLE,
    hint: 'Install it once with `corral agent install <name>` (or point CORRAL_AGENT_CACHE at an existing cache).',
  },
  AGENT_INSTALL_FAILED: {
    exitCode: ExitCode.FAILURE,
    hint: 'Check that npm can reach your registry (`npm view @anthropic-ai/claude-code version`) and retry.',
  },
  MISSING_API_KEY: {
    exitCode: ExitCode.DENIED,
    hint: 'Export the key in the shell that runs corral; it stays on the host (the sandbox gets a placeholder).',
  },
  API_KEY_REFUSED: {
    exitCode: ExitCode.DENIED,
    hint: 'Check ANTHROPIC_API_KEY / OPENAI_API_KEY, and ANTHROPIC_BASE_URL / OPENAI_BASE_URL if you set them.',
  },
  WORKSPACE_NOT_FOUND: {
    exitCode: ExitCode.NOT_FOUND,
    hint: 'Pass an existing directory to --workspace (relative paths start in the current directory).',
  },
  WORKSPACE_UNAVAILABLE: {
    exitCode: ExitCode.FAILURE,
    hint: 'The workspace could not be copied into the sandbox; check that it is readable.',
  },
  REPO_CLONE_FAILED: {
    exitCode: ExitCode.FAILURE,
    hint: 'Check the URL and --ref, and that the host is reachable from this machine.',
  },
  CONFLICT: {
    exitCode: ExitCode.CONFLICT,
    hint: 'A run with this --task-id is already going; use another task id.',
  },
  TIMEOUT: { exitCode: ExitCode.TIMEOUT, hint: 'Raise --timeout if the task needs longer.' },
  APPROVAL_TIMEOUT: {
    exitCode: ExitCode.TIMEOUT,
    hint: 'Answer the approval prompt sooner, or pass --yes.',
  },
  MAX_TURNS: { exitCode: AGENT_FAILED_EXIT, hint: 'Raise --max-turns if the task needs more.' },
  RATE_LIMITED: {
    exitCode: ExitCode.FAILURE,
    hint: 'The model API is rate limiting this key; retry later.',
  },
  MODEL_API_ERROR: {
    exitCode: ExitCode.FAILURE,
    hint: 'The model API failed; retry, and check its status page if it persists.',
  },
  PLAN_MODIFIED_WORKSPACE: {
    exitCode: AGENT_FAILED_EXIT,
    hint: 'The agent wrote files while planning; nothing was kept. Rerun, or run without --plan.',
  },
  AGENT_CRASHED: {
    exitCode: AGENT_FAILED_EXIT,
    hint: 'The agent exited without a result; --json shows its events and errors.',
  },
  AGENT_FAILED: {
    exitCode: AGENT_FAILED_EXIT,
    hint: 'The agent reported a failure; --json shows its events.',
  },
  CANCELLED: {
    exitCode: ExitCode.FAILURE,
    hint: 'The run was cancelled; its sandbox was removed.',
  },
};

interface CodedError {
  code: string;
  message: string;
}

/** An agent error or a run's error, as the user sees it. */
export function describeAgentFailure(
  error: CodedError,
  fallbackExit: number = AGENT_FAILED_EXIT,
): HandledError {
  // a run's error can be the sandbox's (e.g. WARM_POOL_NOT_FOUND on Kubernetes): the CLI's table
  const mapping =
    AGENT_CODES[error.code] ??
    (Object.hasOwn(BY_CODE, error.code) ? BY_CODE[error.code as keyof typeof BY_CODE] : undefined);
  return {
    exitCode: mapping?.exitCode ?? fallbackExit,
    code: error.code,
    message: error.message,
    hint: mapping?.hint ?? 'The agent did not succeed; --json shows its events.',
  };
}

/** `AgentError`s by the table above; everything else (SDK errors, files) by the CLI's own. */
export function describeAgentError(error: unknown, ctx: CliContext): HandledError {
  if (error instanceof AgentError) return describeAgentFailure(error, ExitCode.FAILURE);
  return describeError(error, ctx);
}

/** Prints the error on stderr (and as one NDJSON line with `--json`); returns the exit code. */
export function reportAgentError(
  described: HandledError,
  ctx: CliContext,
  options: { json: boolean },
): number {
  const paint = painter(isInteractive(ctx.stderr, ctx.env));
  ctx.stderr.write(
    `${paint('red', 'Error:')} ${described.message}\n${paint('dim', `Hint: ${described.hint}`)}\n`,
  );
  if (options.json) {
    ctx.stdout.write(
      `${JSON.stringify({ type: 'cli.error', ok: false, error: { code: described.code, message: described.message, hint: described.hint }, exitCode: described.exitCode })}\n`,
    );
  }
  return described.exitCode;
}
