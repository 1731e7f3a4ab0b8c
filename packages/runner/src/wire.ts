/**
 * The runner's wire contract as TypeScript types, shared with the SDK through `import type`.
 * `openapi.yaml` in this package is the normative description; these types mirror it.
 */

/** Every error body the runner sends. Legacy (python-runtime) callers read `message`. */
export interface RunnerErrorBody {
  code: RunnerErrorCode;
  message: string;
}

export type RunnerErrorCode =
  | 'INVALID_JSON'
  | 'INVALID_ARGUMENT'
  | 'BODY_TOO_LARGE'
  | 'UNAUTHENTICATED'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'TASK_ALREADY_ASSIGNED'
  | 'PATH_OUTSIDE_ROOT'
  | 'PERMISSION_DENIED'
  | 'IS_A_DIRECTORY'
  | 'NOT_A_DIRECTORY'
  | 'DIRECTORY_NOT_EMPTY'
  | 'ALREADY_EXISTS'
  | 'RANGE_NOT_SATISFIABLE'
  | 'SPAWN_FAILED'
  | 'PROCESS_NOT_RUNNING'
  | 'STDIN_CLOSED'
  | 'NOT_A_PTY'
  | 'PTY_NOT_READY'
  | 'SHUTTING_DOWN'
  | 'INTERNAL';

// ---------------------------------------------------------------- health

export interface HealthResponse {
  status: 'ok';
  mode: 'oneshot' | 'serve';
  uptimeMs: number;
  version: string;
}

// ---------------------------------------------------------------- task protocol

/** `POST /task`. */
export interface TaskRequest {
  taskID: string;
  message: string;
  /** Argv array, or a string run with `/bin/sh -c`. Defaults to `CORRAL_RUNNER_TASK_COMMAND`. */
  command?: string[] | string;
  env?: Record<string, string>;
  /** Relative to the runner's root. */
  cwd?: string;
  timeoutMs?: number;
}

export interface TaskAccepted {
  status: 'accepted';
}

export type TaskState = 'idle' | 'running' | 'exited';

export interface TaskResult {
  /** Null when the process was killed by a signal or never started. */
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /** The exit status the runner process itself uses in one-shot mode. */
  runnerExitCode: number;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  /** Last bytes of output, decoded as UTF-8 (see `TASK_OUTPUT_TAIL_BYTES`). */
  stdoutTail: string;
  stderrTail: string;
  /** Set when the task's process could not be started. */
  error?: string;
}

/** `GET /task`. */
export interface TaskStatus {
  state: TaskState;
  task?: { taskID: string; message: string };
  /** The id under `/v1/commands` to attach to the task's output (absent for a command-less task). */
  commandId?: string;
  result?: TaskResult;
}

// ---------------------------------------------------------------- commands

/** `POST /v1/commands`. Exactly one of `cmd` and `shell`. */
export interface CommandStartRequest {
  /** Argv, run without a shell. */
  cmd?: string[];
  /** Run with `/bin/sh -c`. */
  shell?: string;
  env?: Record<string, string>;
  /** Relative to the runner's root. */
  cwd?: string;
  /** Written to stdin right after start. */
  stdin?: string;
  stdinEncoding?: 'utf8' | 'base64';
  /** Keep stdin open after writing `stdin`, for later `POST /v1/commands/{id}/stdin`. Default false. */
  keepStdinOpen?: boolean;
  /** Kills the whole process group with SIGKILL when exceeded. */
  timeoutMs?: number;
  /** Answer 201 with `CommandInfo` at once instead of streaming the output. Default false. */
  background?: boolean;
  /**
   * Run on a pseudo-terminal of this size: stdin goes to the terminal (kept open unless
   * `keepStdinOpen: false`), all output arrives as `stdout` events. See `POST …/resize`.
   */
  pty?: PtySize;
}

export interface PtySize {
  /** 1..10000. */
  cols: number;
  /** 1..10000. */
  rows: number;
}

/** `POST /v1/commands/{id}/resize`. */
export type CommandResizeRequest = PtySize;

export type CommandStatus = 'running' | 'exited';

export interface CommandInfo {
  id: string;
  pid: number;
  /** The size asked for at start, when the command runs on a pty. */
  pty?: PtySize;
  cmd?: string[];
  shell?: string;
  cwd: string;
  status: CommandStatus;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  startedAt: string;
  endedAt: string | null;
  durationMs: number | null;
  /** Sequence number the next event will get; attach from here to see only new output. */
  nextSeq: number;
  /** Oldest sequence number still buffered; older output was dropped (see output buffer limit). */
  firstSeq: number;
  outputBytes: number;
  droppedBytes: number;
  stdinOpen: boolean;
}

export interface CommandList {
  commands: CommandInfo[];
}

interface EventBase {
  /** Per-command sequence number, starting at 0 with `start`. Attach cursors refer to it. */
  seq: number;
}

export interface CommandStartEvent extends EventBase {
  type: 'start';
  id: string;
  pid: number;
}

/**
 * A chunk of output. `data` is the chunk as UTF-8 text when it is valid UTF-8, otherwise base64
 * with `encoding: "base64"`; either way the client decodes to the exact bytes.
 */
export interface CommandOutputEvent extends EventBase {
  type: 'stdout' | 'stderr';
  data: string;
  encoding?: 'base64';
}

/**
 * Sent on attach when the cursor points at output the bounded buffer already dropped: events
 * `seq` .. `seq + droppedEvents - 1` are gone; the next event has `seq + droppedEvents`.
 */
export interface CommandGapEvent extends EventBase {
  type: 'gap';
  droppedEvents: number;
}

export interface CommandExitEvent extends EventBase {
  type: 'exit';
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  durationMs: number;
}

export type CommandEvent =
  CommandStartEvent | CommandOutputEvent | CommandGapEvent | CommandExitEvent;

/** `POST /v1/commands/{id}/kill`. */
export interface CommandKillRequest {
  /** Signal name, default `SIGKILL`. Sent to the whole process group. */
  signal?: string;
}

// ---------------------------------------------------------------- files

export type FileType = 'file' | 'directory' | 'symlink' | 'other';

export interface FileEntry {
  name: string;
  type: FileType;
  size: number;
  /** Permission bits as an octal string, e.g. `"0644"`. */
  mode: string;
  /** RFC 3339. */
  modifiedAt: string;
}

/** `GET /v1/stat/{path}` and the answer to `PUT /v1/files/{path}`. */
export interface FileStat extends FileEntry {
  /** Relative to the root, `/`-separated; `""` for the root itself. */
  path: string;
}

/** `GET /v1/dirs/{path}`. */
export interface DirListing {
  path: string;
  entries: FileEntry[];
}

// ---------------------------------------------------------------- legacy python-runtime API

export interface LegacyHealthResponse {
  status: 'ok';
  message: string;
}

export interface LegacyExecuteRequest {
  command: string;
}

export interface LegacyExecuteResponse {
  stdout: string;
  stderr: string;
  exit_code: number;
}

export interface LegacyListEntry {
  name: string;
  size: number;
  type: 'file' | 'directory';
  mod_time: number;
}

export interface LegacyExistsResponse {
  path: string;
  exists: boolean;
}

export interface LegacyMessage {
  message: string;
}
