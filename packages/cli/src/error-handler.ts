import { CorralError } from '@corral/sdk';
import type { CliContext } from './context.js';
import { ExitCode } from './exit-codes.js';
import type { ExitCodeValue } from './exit-codes.js';
import { isInteractive, painter } from './output/style.js';

interface Mapping {
  exitCode: ExitCodeValue;
  hint: string;
}

const GENERIC_HINT =
  'This looks like a bug in Corral. Rerun with CORRAL_DEBUG=1 to see the stack trace, and report it.';

/** The one table from SDK error codes to what the user sees and the process exit code. */
const BY_CODE: Record<string, Mapping> = {
  INVALID_ARGUMENT: {
    exitCode: ExitCode.USAGE,
    hint: 'Run the command with --help to see the accepted forms.',
  },
  USAGE: {
    exitCode: ExitCode.USAGE,
    hint: 'Run the command with --help to see the accepted forms.',
  },
  SANDBOX_NOT_FOUND: {
    exitCode: ExitCode.NOT_FOUND,
    hint: 'Run `corral sandbox list` to see the sandboxes that exist.',
  },
  NOT_FOUND: {
    exitCode: ExitCode.NOT_FOUND,
    hint: 'Check the name or path; `corral sandbox exec <id> -- ls -la` lists the work directory.',
  },
  ISOLATION_UNAVAILABLE: {
    exitCode: ExitCode.UNAVAILABLE,
    hint: 'Install bubblewrap (`apt-get install bubblewrap`) or gVisor (`runsc`), or choose another level with --isolation.',
  },
  PROVIDER_UNAVAILABLE: { exitCode: ExitCode.UNAVAILABLE, hint: 'Use --provider local.' },
  CONFIG_NOT_FOUND: {
    exitCode: ExitCode.UNAVAILABLE,
    hint: 'Point Corral at a cluster: set KUBECONFIG, or pass --kubeconfig and --context. `corral doctor` checks the setup.',
  },
  AGENT_SANDBOX_NOT_INSTALLED: {
    exitCode: ExitCode.UNAVAILABLE,
    hint: 'Install agent-sandbox with its extensions (see docs/deploy.md), then run `corral doctor`.',
  },
  CLAIM_FAILED: {
    exitCode: ExitCode.FAILURE,
    hint: "The cluster refused or ended the sandbox; `kubectl describe sandboxclaim <id>` shows the claim's Ready condition.",
  },
  PATH_OUTSIDE_ROOT: {
    exitCode: ExitCode.DENIED,
    hint: "Use a path inside the sandbox's work directory: relative, or absolute under it, without `..` escapes.",
  },
  PERMISSION_DENIED: {
    exitCode: ExitCode.DENIED,
    hint: 'Check the permissions of the path or resource.',
  },
  UNAUTHENTICATED: {
    exitCode: ExitCode.DENIED,
    hint: 'The runner refused the credentials; the sandbox may belong to another provider or state directory.',
  },
  CONFLICT: {
    exitCode: ExitCode.CONFLICT,
    hint: 'Check the current state and retry, or use a new sandbox.',
  },
  ALREADY_EXISTS: {
    exitCode: ExitCode.CONFLICT,
    hint: 'Pick another name, or change the existing object instead of creating it.',
  },
  TASK_ALREADY_ASSIGNED: {
    exitCode: ExitCode.CONFLICT,
    hint: 'A sandbox runs one task. Create a new sandbox for the next task.',
  },
  TIMEOUT: { exitCode: ExitCode.TIMEOUT, hint: 'Raise --timeout if the work needs longer.' },
  CONNECTION_FAILED: {
    exitCode: ExitCode.FAILURE,
    hint: "The sandbox's runner is not answering; it may have exited or expired. See `corral sandbox list`, and remove it with `corral sandbox rm <id>`.",
  },
};

export interface HandledError {
  exitCode: number;
  code: string;
  message: string;
  hint: string;
}

/** 128 + signal number for the signal that aborted the run, if any. */
export function signalExitCode(signal: AbortSignal): number | undefined {
  if (!signal.aborted) return undefined;
  if (signal.reason === 'SIGINT') return ExitCode.SIGINT;
  if (signal.reason === 'SIGTERM') return ExitCode.SIGTERM;
  return undefined;
}

export function describeError(error: unknown, ctx: CliContext): HandledError {
  const signalCode = signalExitCode(ctx.signal);
  if (signalCode !== undefined) {
    const name = String(ctx.signal.reason);
    return {
      exitCode: signalCode,
      code: 'INTERRUPTED',
      message: `Interrupted by ${name}; whatever this command had created was removed.`,
      hint: 'Use `corral sandbox create` for a sandbox that outlives the command.',
    };
  }
  if (error instanceof CorralError) {
    const mapping = BY_CODE[error.code];
    return {
      exitCode: mapping?.exitCode ?? ExitCode.FAILURE,
      code: error.code,
      message: error.message,
      hint: mapping?.hint ?? GENERIC_HINT,
    };
  }
  return {
    exitCode: ExitCode.FAILURE,
    code: 'INTERNAL',
    message: error instanceof Error ? error.message : String(error),
    hint: GENERIC_HINT,
  };
}

/** Prints an error (human on stderr, and a JSON document on stdout with `--json`); returns the exit code. */
export function reportError(error: unknown, ctx: CliContext, options: { json: boolean }): number {
  const described = describeError(error, ctx);
  const paint = painter(isInteractive(ctx.stderr, ctx.env));
  ctx.stderr.write(
    `${paint('red', 'Error:')} ${described.message}\n${paint('dim', `Hint: ${described.hint}`)}\n`,
  );
  if (ctx.env.CORRAL_DEBUG && error instanceof Error && error.stack) {
    ctx.stderr.write(`${formatCauses(error)}\n`);
  }
  if (options.json) {
    ctx.stdout.write(
      `${JSON.stringify({ ok: false, error: { code: described.code, message: described.message, hint: described.hint }, exitCode: described.exitCode }, null, 2)}\n`,
    );
  }
  return described.exitCode;
}

function formatCauses(error: Error): string {
  const lines = [error.stack ?? String(error)];
  let cause: unknown = error.cause;
  for (let depth = 0; cause !== undefined && depth < 5; depth += 1) {
    lines.push(
      `Caused by: ${cause instanceof Error ? (cause.stack ?? cause.message) : JSON.stringify(cause)}`,
    );
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return lines.join('\n');
}
