// Helpers for exposing sandboxes as tools to language models (`@corral/mcp`, `@corral/ai`):
// output bounded for a model's context, paths kept in the work directory, commands always timed.
export { DEFAULT_OUTPUT_LIMITS, truncateText } from './truncate.js';
export type { OutputLimits, TruncatedText } from './truncate.js';
export { checkWorkPath } from './work-path.js';
export { describeRun, runBounded } from './run-bounded.js';
export type { BoundedRunOptions, BoundedRunResult } from './run-bounded.js';
