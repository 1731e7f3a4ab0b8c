import { Command, Option } from 'commander';
import type { CliContext } from './context.js';
import { addCreateFlags, collect } from './commands/create-flags.js';
import type { CreateFlags } from './commands/create-flags.js';
import { runCommand } from './commands/run.js';
import { taskRunCommand } from './commands/task-run.js';
import { sandboxCpCommand } from './commands/sandbox/cp.js';
import { sandboxCreateCommand } from './commands/sandbox/create.js';
import { sandboxExecCommand } from './commands/sandbox/exec.js';
import { sandboxListCommand } from './commands/sandbox/list.js';
import { sandboxLogsCommand } from './commands/sandbox/logs.js';
import { keeperCommand } from './commands/sandbox/keeper.js';
import { sandboxRmCommand } from './commands/sandbox/rm.js';
import { cliVersion } from './version.js';

/** What the running command reports back to `runCli`. */
export interface RunState {
  exitCode: number;
  /** Set as soon as a command's flags are known, so errors come out as JSON too. */
  json: boolean;
}

const AFTER_DASHES =
  '(put the sandboxed command after --, e.g. corral run -- ls -la; add --help for usage)';

/**
 * The command tree. Actions are thin: they hand parsed flags to plain async functions that
 * return an exit code, and never exit the process themselves.
 */
export function buildProgram(ctx: CliContext, state: RunState): Command {
  const program = new Command('corral')
    .description('Run commands and AI-agent tasks in isolated sandboxes.')
    .version(cliVersion(), '-v, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => void ctx.stdout.write(text),
      writeErr: (text) => void ctx.stderr.write(text),
    })
    .showHelpAfterError('(add --help for usage)');

  const act =
    <A extends unknown[]>(fn: (...args: A) => Promise<number>) =>
    async (...args: A): Promise<void> => {
      state.exitCode = await fn(...args);
    };
  const json = (command: Command): Command =>
    command.option('--json', 'print one JSON document on stdout', false);
  const markJson = <T extends { json: boolean }>(flags: T): T => {
    state.json = flags.json;
    return flags;
  };

  const run = addCreateFlags(
    json(program.command('run'))
      .description(
        'run one command in a fresh sandbox, stream its output, exit with its code, remove the sandbox',
      )
      .argument('<command...>', 'the command and its arguments (after --)')
      .option('--timeout <duration>', 'kill the command after this long, e.g. 30s')
      .option('--cwd <dir>', 'working directory inside the sandbox'),
  ).showHelpAfterError(AFTER_DASHES);
  run.action(
    act(
      async (
        argv: string[],
        flags: CreateFlags & { json: boolean; timeout?: string; cwd?: string },
      ) => runCommand(argv, markJson(flags), ctx),
    ),
  );

  const task = program.command('task').description('the task protocol: one task per sandbox');
  addCreateFlags(
    json(task.command('run'))
      .description('create a sandbox, submit a task, wait, print the result, remove the sandbox')
      .requiredOption('--message <text>', 'the task message')
      .option('--command <shell>', 'the command the task runs (with /bin/sh -c)')
      .option('--task-id <id>', 'the task id (default: task-<random>)')
      .option('--timeout <duration>', 'kill the task after this long, e.g. 5m'),
  ).action(
    act(async (flags: Parameters<typeof taskRunCommand>[0]) =>
      taskRunCommand(markJson(flags), ctx),
    ),
  );

  const sandbox = program
    .command('sandbox')
    .alias('sbx')
    .description('manage sandboxes that outlive one command');
  addCreateFlags(
    json(sandbox.command('create')).description('create a sandbox and print its id'),
  ).action(
    act(async (flags: Parameters<typeof sandboxCreateCommand>[0]) =>
      sandboxCreateCommand(markJson(flags), ctx),
    ),
  );
  json(sandbox.command('list').alias('ls'))
    .description('list sandboxes')
    .addOption(providerOption())
    .option('--label <key=value>', 'only sandboxes with this label (repeatable)', collect, [])
    .action(
      act(async (flags: Parameters<typeof sandboxListCommand>[0]) =>
        sandboxListCommand(markJson(flags), ctx),
      ),
    );
  json(sandbox.command('exec'))
    .description('run a command in an existing sandbox; exits with its code')
    .argument('<id>', 'sandbox id')
    .argument('<command...>', 'the command and its arguments (after --)')
    .addOption(providerOption())
    .option('--env <NAME=value>', 'environment variable for the command (repeatable)', collect, [])
    .option('--cwd <dir>', 'working directory inside the sandbox')
    .option('--timeout <duration>', 'kill the command after this long, e.g. 30s')
    .showHelpAfterError(AFTER_DASHES)
    .action(
      act(async (id: string, argv: string[], flags: Parameters<typeof sandboxExecCommand>[2]) =>
        sandboxExecCommand(id, argv, markJson(flags), ctx),
      ),
    );
  json(sandbox.command('cp'))
    .description(
      'copy a file between the host and a sandbox; write the sandbox side as <id>:<path>',
    )
    .argument('<src>', 'local path, <id>:<path>, or - for stdin')
    .argument('<dst>', 'local path, <id>:<path>, or - for stdout')
    .addOption(providerOption())
    .action(
      act(async (src: string, dst: string, flags: Parameters<typeof sandboxCpCommand>[2]) =>
        sandboxCpCommand(src, dst, markJson(flags), ctx),
      ),
    );
  json(sandbox.command('logs'))
    .description("print a command's output: the task's, or else the latest command's")
    .argument('<id>', 'sandbox id')
    .addOption(providerOption())
    .option('--command <commandId>', 'a specific command (ids from --list)')
    .option('--list', 'list the commands that ran in the sandbox instead', false)
    .action(
      act(async (id: string, flags: Parameters<typeof sandboxLogsCommand>[1]) =>
        sandboxLogsCommand(id, markJson(flags), ctx),
      ),
    );
  json(sandbox.command('rm'))
    .description('remove sandboxes (idempotent)')
    .argument('[ids...]', 'sandbox ids')
    .addOption(providerOption())
    .option('--all', 'remove every sandbox of the provider', false)
    .action(
      act(async (ids: string[], flags: Parameters<typeof sandboxRmCommand>[1]) =>
        sandboxRmCommand(ids, markJson(flags), ctx),
      ),
    );
  program
    .command('__keeper', { hidden: true })
    .description('internal: owns a sandbox made by `sandbox create`')
    .action(act(async () => keeperCommand(ctx)));
  return program;
}

function providerOption(): Option {
  return new Option('--provider <name>', 'where the sandboxes run').default('local');
}
