export const RUNNER_DEFAULT_PORT = 8888;
/** Per-command output buffer; past it the oldest output events are dropped (attach sees a `gap`). */
export const DEFAULT_OUTPUT_BUFFER_BYTES = 16 * 1024 * 1024;
/** How much of each output stream a `TaskResult` keeps. */
export const TASK_OUTPUT_TAIL_BYTES = 8 * 1024;
