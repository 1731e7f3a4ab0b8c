/**
 * `@corral/runner` as a library: where the bundled runner is, its defaults, and the wire types
 * the SDK shares. Importing it never starts a server; the binary's entry is `main.ts`.
 */
export {
  DEFAULT_OUTPUT_BUFFER_BYTES,
  RUNNER_DEFAULT_PORT,
  TASK_OUTPUT_TAIL_BYTES,
} from './constants.js';
export { runnerBundlePath } from './bundle-path.js';
export { RUNNER_LITE_NODE_FLAGS, RUNNER_NODE_FLAGS } from './node-flags.js';
export { RUNNER_VERSION } from './version.js';
export type {
  CommandEvent,
  CommandExitEvent,
  CommandGapEvent,
  CommandInfo,
  CommandKillRequest,
  CommandList,
  CommandOutputEvent,
  CommandResizeRequest,
  CommandStartEvent,
  CommandStartRequest,
  CommandStatus,
  DirListing,
  FileEntry,
  FileStat,
  FileType,
  HealthResponse,
  LegacyExecuteRequest,
  LegacyExecuteResponse,
  LegacyExistsResponse,
  LegacyHealthResponse,
  LegacyListEntry,
  LegacyMessage,
  PtySize,
  RunnerErrorBody,
  RunnerErrorCode,
  TaskAccepted,
  TaskRequest,
  TaskResult,
  TaskState,
  TaskStatus,
} from './wire.js';
