import { Command, Option } from 'commander';
import type { CliContext } from './context.js';
import { addCreateFlags, collect } from './commands/create-flags.js';
import type { CreateFlags } from './commands/create-flags.js';
import type { taskRunCommand } from './commands/task-run.js';
import type { sandboxCpCommand } from './commands/sandbox/cp.js';
import type { sandboxCreateCommand } from './commands/sandbox/create.js';
import type { sandboxExecCommand } from './commands/sandbox/exec.js';
import type { sandboxListCommand } from './commands/sandbox/list.js';
import type { sandboxLogsCommand } from './commands/sandbox/logs.js';
import type { sandboxRmCommand } from './commands/sandbox/rm.js';
import { cliVersion } from './version.js';
import type { doctorCommand } from './commands/doctor/doctor.js';
import type {
  poolCreateCommand,
  poolScaleCommand,
  poolStatusCommand,
} from './commands/pool/pool.js';
import type { templateApplyCommand } from './commands/template/apply.js';
import { addKubeFlags, addOutputFlag } from './kube/flags.js';
import { registerMcpCommand } from './commands/mcp/register.js';
import { registerAgentCommands } from './commands/agent/register.js';

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
    .showHelpAfterError('(add --help for usage)')
    .option(
      '--server <url>',
      "use the sandboxes of the `corral serve` at this URL (they outlive the command); token from CORRAL_SERVER_TOKEN or this machine's server state",
    );
  program.hook('preAction', async (_root, action) => {
    const url = program.opts<{ server?: string }>().server;
    if (url !== undefined) await (await import('./server-flag.js')).useServer(url, action);
  });

  // Every action imports its command when it runs, so `corral --help` and each command load only
  // what they use (client-node, for one, only for Kubernetes commands).
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

  const registrar: Registrar = { act, json, markJson, state };
  registerRunCommands(program, registrar, ctx);
  registerSandboxCommands(program, registrar, ctx);
  registerKubeCommands(program, registrar, ctx);
  registerMcpCommand(program, act, ctx);
  registerAgentCommands(program, act, state, ctx);
  program
    .command('__keeper', { hidden: true })
    .description('internal: owns a sandbox made by `sandbox create`')
    .action(act(async () => (await import('./commands/sandbox/keeper.js')).keeperCommand(ctx)));
  return program;
}

interface Registrar {
  act: <A extends unknown[]>(fn: (...args: A) => Promise<number>) => (...args: A) => Promise<void>;
  json: (command: Command) => Command;
  markJson: <T extends { json: boolean }>(flags: T) => T;
  state: RunState;
}

/** `run`, `serve` and `task run`: the commands that make their own sandbox (or server). */
function registerRunCommands(
  program: Command,
  { act, json, markJson }: Registrar,
  ctx: CliContext,
): void {
  const run = addCreateFlags(
    json(program.command('run'))
      .description(
        'run one command in a fresh sandbox, stream its output, exit with its code, remove the sandbox',
      )
      .argument('<command...>', 'the command and its arguments (after --)')
      .option('--timeout <duration>', 'kill the command after this long, e.g. 30s')
      .option('--cwd <dir>', 'working directory inside the sandbox')
      .option('-i, --interactive', 'keep stdin connected even when it is a terminal')
      .option('-t, --tty', 'give the command a terminal (with -i: corral run -it -- bash)'),
  ).showHelpAfterError(AFTER_DASHES);
  run.action(
    act(
      async (
        argv: string[],
        flags: CreateFlags & {
          json: boolean;
          timeout?: string;
          cwd?: string;
          interactive?: boolean;
          tty?: boolean;
        },
      ) => (await import('./commands/run.js')).runCommand(argv, markJson(flags), ctx),
    ),
  );

  program
    .command('serve')
    .description('run the API server and web console (token printed at start; see docs/server.md)')
    .option(
      '--host <host>',
      'address to listen on (beyond loopback, every request needs the token)',
      '127.0.0.1',
    )
    .option('--port <port>', 'port to listen on (0 picks a free one)', '7420')
    .option('--state-dir <dir>', 'store, token and sandboxes (default: <corral state dir>/server)')
    .action(
      act(async (flags: { host: string; port: string; stateDir?: string }) =>
        (await import('./commands/serve.js')).serveCommand(flags, ctx),
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
      (await import('./commands/task-run.js')).taskRunCommand(markJson(flags), ctx),
    ),
  );
}

/** `sandbox …`: sandboxes that outlive one command. */
function registerSandboxCommands(
  program: Command,
  { act, json, markJson }: Registrar,
  ctx: CliContext,
): void {
  const sandbox = program
    .command('sandbox')
    .alias('sbx')
    .description('manage sandboxes that outlive one command');
  addCreateFlags(
    json(sandbox.command('create')).description('create a sandbox and print its id'),
  ).action(
    act(async (flags: Parameters<typeof sandboxCreateCommand>[0]) =>
      (await import('./commands/sandbox/create.js')).sandboxCreateCommand(markJson(flags), ctx),
    ),
  );
  json(sandbox.command('list').alias('ls'))
    .description('list sandboxes')
    .addOption(providerOption())
    .option('--kubeconfig <path>', 'kubernetes: kubeconfig file')
    .option('--context <name>', 'kubernetes: kubeconfig context')
    .option('-n, --namespace <name>', 'kubernetes: namespace')
    .option('--label <key=value>', 'only sandboxes with this label (repeatable)', collect, [])
    .action(
      act(async (flags: Parameters<typeof sandboxListCommand>[0]) =>
        (await import('./commands/sandbox/list.js')).sandboxListCommand(markJson(flags), ctx),
      ),
    );
  json(sandbox.command('exec'))
    .description('run a command in an existing sandbox; exits with its code')
    .argument('<id>', 'sandbox id')
    .argument('<command...>', 'the command and its arguments (after --)')
    .addOption(providerOption())
    .option('--kubeconfig <path>', 'kubernetes: kubeconfig file')
    .option('--context <name>', 'kubernetes: kubeconfig context')
    .option('-n, --namespace <name>', 'kubernetes: namespace')
    .option('--env <NAME=value>', 'environment variable for the command (repeatable)', collect, [])
    .option('--cwd <dir>', 'working directory inside the sandbox')
    .option('--timeout <duration>', 'kill the command after this long, e.g. 30s')
    .option('-i, --interactive', 'keep stdin connected even when it is a terminal')
    .option(
      '-t, --tty',
      'give the command a terminal (with -i: corral sandbox exec -it <id> -- bash)',
    )
    .showHelpAfterError(AFTER_DASHES)
    .action(
      act(async (id: string, argv: string[], flags: Parameters<typeof sandboxExecCommand>[2]) =>
        (await import('./commands/sandbox/exec.js')).sandboxExecCommand(
          id,
          argv,
          markJson(flags),
          ctx,
        ),
      ),
    );
  json(sandbox.command('cp'))
    .description(
      'copy a file (or with -r a directory) between the host and a sandbox; write the sandbox side as <id>:<path>',
    )
    .argument('<src>', 'local path, <id>:<path>, or - for stdin')
    .argument('<dst>', 'local path, <id>:<path>, or - for stdout')
    .option('-r, --recursive', 'copy a directory and everything below it (modes kept)', false)
    .addOption(providerOption())
    .option('--kubeconfig <path>', 'kubernetes: kubeconfig file')
    .option('--context <name>', 'kubernetes: kubeconfig context')
    .option('-n, --namespace <name>', 'kubernetes: namespace')
    .action(
      act(async (src: string, dst: string, flags: Parameters<typeof sandboxCpCommand>[2]) =>
        (await import('./commands/sandbox/cp.js')).sandboxCpCommand(src, dst, markJson(flags), ctx),
      ),
    );
  json(sandbox.command('logs'))
    .description("print a command's output: the task's, or else the latest command's")
    .argument('<id>', 'sandbox id')
    .addOption(providerOption())
    .option('--kubeconfig <path>', 'kubernetes: kubeconfig file')
    .option('--context <name>', 'kubernetes: kubeconfig context')
    .option('-n, --namespace <name>', 'kubernetes: namespace')
    .option('--command <commandId>', 'a specific command (ids from --list)')
    .option('--list', 'list the commands that ran in the sandbox instead', false)
    .action(
      act(async (id: string, flags: Parameters<typeof sandboxLogsCommand>[1]) =>
        (await import('./commands/sandbox/logs.js')).sandboxLogsCommand(id, markJson(flags), ctx),
      ),
    );
  json(sandbox.command('rm'))
    .description('remove sandboxes (idempotent)')
    .argument('[ids...]', 'sandbox ids')
    .addOption(providerOption())
    .option('--kubeconfig <path>', 'kubernetes: kubeconfig file')
    .option('--context <name>', 'kubernetes: kubeconfig context')
    .option('-n, --namespace <name>', 'kubernetes: namespace')
    .option('--all', "remove every sandbox of the provider (as root: only the caller's)", false)
    .option('--all-users', "with --all as root: other users' sandboxes too", false)
    .option('--ignore-not-found', 'exit 0 when an id does not exist (as kubectl)', false)
    .action(
      act(async (ids: string[], flags: Parameters<typeof sandboxRmCommand>[1]) =>
        (await import('./commands/sandbox/rm.js')).sandboxRmCommand(ids, markJson(flags), ctx),
      ),
    );
}

/** `doctor`, `pool` and `template`: the cluster-facing commands with kubectl-like flags. */
function registerKubeCommands(
  program: Command,
  { act, json, state }: Registrar,
  ctx: CliContext,
): void {
  // `-o json` is `--json`: errors then come out as a JSON document too.
  const markOutput = <T extends { json: boolean; output?: string }>(flags: T): T => {
    state.json = flags.json || flags.output === 'json';
    return flags;
  };
  addOutputFlag(
    addKubeFlags(
      json(program.command('doctor')).description(
        'check that this machine and the cluster are ready for Corral; a fix for every problem',
      ),
    ),
    ['table', 'json', 'yaml'],
  )
    .option(
      '--provider <name>',
      'check only local or kubernetes (default: local, plus kubernetes when a kubeconfig exists)',
    )
    .option('--runtime-class <name>', 'RuntimeClass the sandbox pods use', 'gvisor')
    .option(
      '--warm-pool <name>',
      'check this SandboxWarmPool (default: every pool in the namespace)',
    )
    .option('--timeout <duration>', 'budget of each check', '10s')
    .action(
      act(async (flags: Parameters<typeof doctorCommand>[0]) =>
        (await import('./commands/doctor/doctor.js')).doctorCommand(markOutput(flags), ctx),
      ),
    );

  const pool = program
    .command('pool')
    .description('manage SandboxWarmPools (pre-started sandboxes)');
  addOutputFlag(addKubeFlags(json(pool.command('create'))))
    .description('create a SandboxWarmPool from a SandboxTemplate')
    .argument('<name>', 'pool name')
    .requiredOption('--template <name>', 'the SandboxTemplate its sandboxes are made from')
    .requiredOption('--replicas <n>', 'ready sandboxes to keep (0: a cold-start-only pool)')
    .option(
      '--update-strategy <type>',
      'Recreate (replace stale idle sandboxes now) or OnReplenish',
    )
    .action(
      act(async (name: string, flags: Parameters<typeof poolCreateCommand>[1]) =>
        (await import('./commands/pool/pool.js')).poolCreateCommand(name, markOutput(flags), ctx),
      ),
    );
  addOutputFlag(addKubeFlags(json(pool.command('scale'))))
    .description('set the number of ready sandboxes (through the scale subresource)')
    .argument('<name>', 'pool name')
    .requiredOption('--replicas <n>', 'ready sandboxes to keep')
    .action(
      act(async (name: string, flags: Parameters<typeof poolScaleCommand>[1]) =>
        (await import('./commands/pool/pool.js')).poolScaleCommand(name, markOutput(flags), ctx),
      ),
    );
  addOutputFlag(addKubeFlags(json(pool.command('status').alias('ls'))))
    .description('ready/desired sandboxes, template and selector of each pool')
    .argument('[name]', 'one pool (default: every pool in the namespace)')
    .action(
      act(async (name: string | undefined, flags: Parameters<typeof poolStatusCommand>[1]) =>
        (await import('./commands/pool/pool.js')).poolStatusCommand(name, markOutput(flags), ctx),
      ),
    );

  const template = program.command('template').description('manage SandboxTemplates');
  addOutputFlag(addKubeFlags(json(template.command('apply'))))
    .description(
      'server-side apply a SandboxTemplate from a file (-f), or build NAME: a stock Node image running the runner from a ConfigMap (or --image with the runner inside)',
    )
    .argument('[name]', 'template name to build (without -f)')
    .option('-f, --filename <file>', 'YAML file with SandboxTemplate(s); - for stdin')
    .option(
      '--image <image>',
      'an image whose entrypoint is the Corral runner (default: node:22-slim + ConfigMap)',
    )
    .option('--port <port>', "the runner's port (default 8888)")
    .option('--runtime-class <name>', 'RuntimeClass of the pods, e.g. gvisor')
    .option(
      '--agent <agent>',
      'claude-code or codex: an agent image (ghcr.io/corral-dev/runner-<agent>:<version>, see deploy/agents/) with the API key from a Secret',
    )
    .option(
      '--api-key-secret <name[/key]>',
      'the Secret (and key) holding the model API key (default corral-agent-keys, key ANTHROPIC_API_KEY or OPENAI_API_KEY)',
    )
    .option('--model-url <url>', "the model API's base URL for the agent (default: the vendor's)")
    .option('--force-conflicts', 'take over fields another manager owns', false)
    .action(
      act(async (name: string | undefined, flags: Parameters<typeof templateApplyCommand>[1]) =>
        (await import('./commands/template/apply.js')).templateApplyCommand(
          name,
          markOutput(flags),
          ctx,
        ),
      ),
    );
  template
    .command('convert')
    .description('rewrite v1alpha1 (or v0.1.0) agent-sandbox manifests for v1beta1; offline')
    .option('-f, --filename <file>', 'YAML file with agent-sandbox manifests; - for stdin')
    .option('--from <release>', 'what the input was written for: v1alpha1 or v0.1.0', 'v1alpha1')
    .option('-o, --output <format>', 'yaml or json', 'yaml')
    .action(
      act(async (flags: { filename?: string; from?: string; output?: string }) => {
        const { templateConvertCommand } = await import('./commands/template/convert.js');
        return templateConvertCommand(flags, ctx);
      }),
    );
}

function providerOption(): Option {
  return new Option(
    '--provider <name>',
    'where the sandboxes run: local, kubernetes, or server (see --server)',
  ).default('local');
}
