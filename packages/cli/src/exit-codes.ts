/**
 * The `corral` exit codes (documented in packages/cli/README.md). `run`, `sandbox exec` and
 * `task run` otherwise exit with the code of the command they ran; use `--json` when a script must
 * tell a Corral failure from the command's own exit status.
 */
export const ExitCode = {
  OK: 0,
  /** Bad flag, argument or value: nothing was created. */
  USAGE: 2,
  /** The sandbox, file or command named does not exist. */
  NOT_FOUND: 3,
  /** The requested isolation or provider is not available on this host. */
  UNAVAILABLE: 4,
  /** Refused: a path outside the sandbox root, missing permission or credentials. */
  DENIED: 5,
  /** Conflicts with the current state (e.g. the sandbox already has a task). */
  CONFLICT: 6,
  /** A deadline (`--timeout`) passed. Same code as timeout(1). */
  TIMEOUT: 124,
  /** Corral itself failed (runner unreachable, internal error). Same code as `docker run`. */
  FAILURE: 125,
  /** Interrupted by Ctrl-C (128 + SIGINT). */
  SIGINT: 130,
  /** Terminated (128 + SIGTERM). */
  SIGTERM: 143,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
