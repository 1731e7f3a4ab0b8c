import { CorralError, type CorralErrorCode } from '@corral/sdk';
import type { CliContext } from './context.js';
import { ExitCode } from './exit-codes.js';
import { describePlacementError } from './kube/placement-error.js';
import type { ExitCodeValue } from './exit-codes.js';
import { isInteractive, painter } from './output/style.js';

interface Mapping {
  exitCode: ExitCodeValue;
  hint: string;
}

const GENERIC_HINT =
  'This looks like a bug in Corral. Rerun with CORRAL_DEBUG=1 to see the stack trace, and report it.';

const BUG: Mapping = { exitCode: ExitCode.FAILURE, hint: GENERIC_HINT };
const HELP: Mapping = {
  exitCode: ExitCode.USAGE,
  hint: 'Run the command with --help to see the accepted forms.',
};
const RUNNER_GONE: Mapping = {
  exitCode: ExitCode.FAILURE,
  hint: "The sandbox's runner is not answering; it may have exited or expired. See `corral sandbox list`, and remove it with `corral sandbox rm <id>`.",
};
const CLUSTER: Mapping = {
  exitCode: ExitCode.FAILURE,
  hint: 'The cluster had a problem; retry, and run `corral doctor` if it persists.',
};
const TASK: Mapping = {
  exitCode: ExitCode.FAILURE,
  hint: "The task's record says why (`--json` prints it); fix the task or its command and run it again.",
};
const SANDBOX_ENDED: Mapping = {
  exitCode: ExitCode.FAILURE,
  hint: "The sandbox cannot be used any more (it ended or expired); create a new one. `kubectl describe sandboxclaim <id>` shows the claim's conditions.",
};

/**
 * The one table from error codes to what the user sees and the process exit code. It lists
 * every `CorralErrorCode`: a new code does not compile until it is mapped here.
 */
export const BY_CODE: Record<CorralErrorCode, Mapping> = {
  // the caller's input
  INVALID_ARGUMENT: HELP,
  INVALID_JSON: HELP,
  BODY_TOO_LARGE: {
    exitCode: ExitCode.USAGE,
    hint: 'Send less at once: split the file or the request.',
  },
  METHOD_NOT_ALLOWED: BUG,
  RANGE_NOT_SATISFIABLE: {
    exitCode: ExitCode.USAGE,
    hint: 'Ask for a byte range inside the file; `corral sandbox exec <id> -- ls -l` shows its size.',
  },
  FILE_TOO_LARGE: {
    exitCode: ExitCode.USAGE,
    hint: 'The file is too big to read at once; `corral sandbox cp <id>:<path> <file>` streams it.',
  },
  IS_A_DIRECTORY: {
    exitCode: ExitCode.USAGE,
    hint: 'The path is a directory; name a file inside it.',
  },
  NOT_A_DIRECTORY: {
    exitCode: ExitCode.USAGE,
    hint: 'A part of the path is a file, not a directory; check the path.',
  },
  // missing things
  SANDBOX_NOT_FOUND: {
    exitCode: ExitCode.NOT_FOUND,
    hint: 'Run `corral sandbox list` to see the sandboxes that exist.',
  },
  SANDBOX_GONE: {
    exitCode: ExitCode.NOT_FOUND,
    hint: 'Run `corral sandbox list` to see the sandboxes that exist.',
  },
  WARM_POOL_NOT_FOUND: {
    exitCode: ExitCode.NOT_FOUND,
    hint: 'Pass -n/--namespace for the namespace that has the pool, or --warm-pool naming one that exists (`kubectl get sandboxwarmpools -A`).',
  },
  TEMPLATE_NOT_FOUND: {
    exitCode: ExitCode.NOT_FOUND,
    hint: 'Pass -n/--namespace for the namespace that has the template, or --template naming one that exists (`kubectl get sandboxtemplates -A`).',
  },
  NOT_FOUND: {
    exitCode: ExitCode.NOT_FOUND,
    hint: 'Check the name or path; `corral sandbox exec <id> -- ls -la` lists the work directory.',
  },
  GONE: CLUSTER,
  // what this host or cluster offers
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
  RESOURCE_EXHAUSTED: {
    exitCode: ExitCode.UNAVAILABLE,
    hint: 'This host has no room for another sandbox; remove some with `corral sandbox rm <id>` and retry.',
  },
  // refused
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
  // the current state
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
  RUNNER_HAS_OTHER_TASK: {
    exitCode: ExitCode.CONFLICT,
    hint: 'A sandbox runs one task. Create a new sandbox for the next task.',
  },
  DIRECTORY_NOT_EMPTY: {
    exitCode: ExitCode.CONFLICT,
    hint: 'Remove the directory recursively, or empty it first.',
  },
  PROCESS_NOT_RUNNING: {
    exitCode: ExitCode.CONFLICT,
    hint: 'The command has already ended; `corral sandbox exec` starts a new one.',
  },
  STDIN_CLOSED: {
    exitCode: ExitCode.CONFLICT,
    hint: "The command's stdin is already closed; start the command again to send more input.",
  },
  NOT_A_PTY: {
    exitCode: ExitCode.CONFLICT,
    hint: 'Only a command started with a terminal (`-t`) can be resized.',
  },
  PTY_NOT_READY: {
    exitCode: ExitCode.CONFLICT,
    hint: 'The command was not on its terminal (starting or ending); resize again.',
  },
  SANDBOX_NOT_READY: {
    exitCode: ExitCode.CONFLICT,
    hint: 'The sandbox is still starting (or suspended); retry in a moment, or resume it first.',
  },
  PROVIDER_CLOSED: BUG,
  ORCHESTRATOR_CLOSED: BUG,
  // deadlines
  TIMEOUT: { exitCode: ExitCode.TIMEOUT, hint: 'Raise --timeout if the work needs longer.' },
  TASK_TIMEOUT: { exitCode: ExitCode.TIMEOUT, hint: 'Raise --timeout if the task needs longer.' },
  // the sandbox or its runner failed
  CONNECTION_FAILED: RUNNER_GONE,
  RUNNER_UNREACHABLE: RUNNER_GONE,
  SHUTTING_DOWN: RUNNER_GONE,
  HTTP_ERROR: RUNNER_GONE,
  INVALID_RESPONSE: RUNNER_GONE,
  SANDBOX_START_FAILED: {
    exitCode: ExitCode.FAILURE,
    hint: 'The sandbox did not start; run `corral doctor` to check the isolation setup.',
  },
  SPAWN_FAILED: {
    exitCode: ExitCode.FAILURE,
    hint: 'The command could not be started; check that the program exists in the sandbox and is executable.',
  },
  EXEC_FAILED: {
    exitCode: ExitCode.FAILURE,
    hint: 'The command could not be run in the pod; check that it exists in the image.',
  },
  SANDBOX_ENDED,
  CLAIM_FAILED: {
    exitCode: ExitCode.FAILURE,
    hint: "The cluster refused or ended the sandbox; `kubectl describe sandboxclaim <id>` shows the claim's Ready condition.",
  },
  SANDBOX_FAILED: SANDBOX_ENDED,
  POD_ENDED_EARLY: SANDBOX_ENDED,
  ADOPTED_IDLE: TASK,
  POD_FAILED: TASK,
  TASK_EXIT_NONZERO: TASK,
  TASK_START_FAILED: TASK,
  CANCELLED: { exitCode: ExitCode.FAILURE, hint: 'The task was cancelled before it ended.' },
  SERVER_ERROR: CLUSTER,
  TOO_MANY_REQUESTS: CLUSTER,
  UNEXPECTED_STATUS: CLUSTER,
  // cleanup
  CLEANUP_FAILED: {
    exitCode: ExitCode.FAILURE,
    hint: 'Something Corral made is still there; `corral sandbox list` shows it and `corral sandbox rm <id>` removes it.',
  },
  CORRAL_ROLLBACK_FAILED: {
    exitCode: ExitCode.FAILURE,
    hint: 'A half-made sandbox is still there; `corral sandbox list` shows it and `corral sandbox rm <id>` removes it.',
  },
  PROVIDER_CLOSE_FAILED: BUG,
  // Corral itself
  ABORTED: BUG,
  ORCHESTRATOR_ERROR: BUG,
  INTERNAL: BUG,
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
  const placement = describePlacementError(error);
  if (placement) return placement;
  if (error instanceof CorralError) {
    // a code from a newer runner or keeper than this CLI falls back to the generic mapping
    const mapping = Object.hasOwn(BY_CODE, error.code) ? BY_CODE[error.code] : BUG;
    return { ...mapping, code: error.code, message: cliWording(error.message) };
  }
  const local = describeLocalFileError(error);
  if (local) return local;
  return {
    exitCode: ExitCode.FAILURE,
    code: 'INTERNAL',
    message: error instanceof Error ? error.message : String(error),
    hint: GENERIC_HINT,
  };
}

/** SDK messages name SDK calls; on the command line the hint names the command instead. */
const SDK_PHRASES: Array<[RegExp, string]> = [
  [/ ?List existing sandboxes with Sandbox\.list\(\)\./g, ''],
  [/, or pass a SandboxProvider instance/g, ''],
];

export function cliWording(message: string): string {
  return SDK_PHRASES.reduce(
    (text, [pattern, replacement]) => text.replace(pattern, replacement),
    message,
  );
}

/** A local file the user named (`cp`, `-f`) that is missing or unreadable is their mistake, not ours. */
function describeLocalFileError(error: unknown): HandledError | undefined {
  if (!(error instanceof Error)) return undefined;
  const { code, path } = error as NodeJS.ErrnoException;
  if (path === undefined) return undefined;
  const where = JSON.stringify(path);
  switch (code) {
    case 'ENOENT':
      return {
        exitCode: ExitCode.NOT_FOUND,
        code: 'NOT_FOUND',
        message: `${where} does not exist on this machine.`,
        hint: 'Check the local path (relative paths start in the current directory).',
      };
    case 'EISDIR':
      return {
        exitCode: ExitCode.USAGE,
        code: 'IS_A_DIRECTORY',
        message: `${where} is a directory.`,
        hint: '`corral sandbox cp` copies one file; add -r to copy a directory.',
      };
    case 'ENOTDIR':
      return {
        exitCode: ExitCode.USAGE,
        code: 'NOT_A_DIRECTORY',
        message: `A part of ${where} is a file, not a directory.`,
        hint: 'Check the local path.',
      };
    case 'EACCES':
    case 'EPERM':
      return {
        exitCode: ExitCode.DENIED,
        code: 'PERMISSION_DENIED',
        message: `No permission to access ${where} on this machine.`,
        hint: 'Check the permissions of the local path.',
      };
    default:
      return undefined;
  }
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
