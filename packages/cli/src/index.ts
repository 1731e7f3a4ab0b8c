export { runCli } from './cli.js';
export type { CliContext, OutputStream } from './context.js';
export { ExitCode } from './exit-codes.js';
export type { ExitCodeValue } from './exit-codes.js';
