import { CommanderError } from 'commander';
import type { CliContext } from './context.js';
import { ExitCode } from './exit-codes.js';
import { buildProgram } from './program.js';
import type { RunState } from './program.js';

/**
 * Runs one `corral` invocation and returns its exit code. The single place where errors become
 * messages and exit codes; it never exits the process, so tests call it directly.
 */
export async function runCli(argv: readonly string[], ctx: CliContext): Promise<number> {
  const state: RunState = { exitCode: ExitCode.OK, json: false };
  const program = buildProgram(ctx, state);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return state.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return commanderExitCode(error, argv, ctx);
    // the error table (and the SDK's error classes) load only when something went wrong
    const { reportError } = await import('./error-handler.js');
    return reportError(error, ctx, { json: state.json });
  }
}

/** Help and version exit 0; every parse error (already printed by commander) is a usage error. */
function commanderExitCode(
  error: CommanderError,
  argv: readonly string[],
  ctx: CliContext,
): number {
  if (error.exitCode === 0) return ExitCode.OK;
  const end = argv.indexOf('--');
  const wantsJson = (end === -1 ? argv : argv.slice(0, end)).includes('--json');
  if (wantsJson) {
    const message = error.message.replace(/^error: /, '');
    ctx.stdout.write(
      `${JSON.stringify({ ok: false, error: { code: 'USAGE', message, hint: 'Add --help for usage.' }, exitCode: ExitCode.USAGE }, null, 2)}\n`,
    );
  }
  return ExitCode.USAGE;
}
