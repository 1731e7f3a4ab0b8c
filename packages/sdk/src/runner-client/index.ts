export { RunnerClient, type RunnerClientOptions } from './client.js';
export {
  CommandHandle,
  Commands,
  type BackgroundRunOptions,
  type CommandInfo,
  type CommandResult,
  type CommandStreamEvent,
  type ConnectOptions,
  type RunOptions,
} from './commands.js';
export {
  Files,
  type DirListing,
  type FileEntry,
  type FileStat,
  type ReadOptions,
  type WriteData,
  type WriteOptions,
} from './files.js';
export {
  MAX_PTY_DIMENSION,
  Pty,
  PtyHandle,
  type PtyCreateOptions,
  type PtyResult,
  type PtySize,
} from './pty.js';
export { FILE_READ_LIMIT_BYTES } from './bounded-read.js';
export {
  Tasks,
  type TaskAccepted,
  type TaskRequest,
  type TaskResult,
  type TaskStatus,
} from './tasks.js';
export { errorFromRunnerResponse } from './errors-map.js';
