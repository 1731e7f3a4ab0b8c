/**
 * The process entry of `corral` (bin/corral.js imports the built copy). The only place that
 * touches `process`: it turns SIGINT/SIGTERM into an abort, runs the CLI and sets the exit code.
 */
import { runCli } from './cli.js';
import { processContext } from './process-context.js';
import { ExitCode } from './exit-codes.js';

const controller = new AbortController();
const onSignal = (name: 'SIGINT' | 'SIGTERM') => (): void => {
  // A second Ctrl-C gives up on cleanup, as users expect from a stuck command.
  if (controller.signal.aborted)
    process.exit(name === 'SIGINT' ? ExitCode.SIGINT : ExitCode.SIGTERM);
  controller.abort(name);
};
process.on('SIGINT', onSignal('SIGINT'));
process.on('SIGTERM', onSignal('SIGTERM'));

const exitCode = await runCli(process.argv.slice(2), processContext(controller.signal));
process.exitCode = exitCode;
// Anything still holding the event loop (a stray socket) must not keep a finished CLI alive.
setTimeout(() => process.exit(exitCode), 2_000).unref();
