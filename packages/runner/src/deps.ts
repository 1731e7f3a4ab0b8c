import type { FsRoot } from './fs-root.js';
import type { Logger } from './log.js';
import type { ProcessManager } from './processes.js';
import type { TaskRunner } from './task-runner.js';

/** What route handlers share. */
export interface Deps {
  fsRoot: FsRoot;
  procs: ProcessManager;
  tasks: TaskRunner;
  logger: Logger;
  maxBodyBytes: number;
  maxUploadBytes: number;
  mode: 'oneshot' | 'serve';
  startedAt: number;
  /** `SANDBOX_EXEC_TIMEOUT_SECONDS` for the legacy `/execute`, in ms. */
  legacyExecTimeoutMs: number;
}
