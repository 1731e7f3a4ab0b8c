import { Option, type Command } from 'commander';
import type { CliContext } from '../../context.js';
import { addKubeFlags } from '../../kube/flags.js';
import type { AgentInstallFlags, AgentListFlags } from './agent-list.js';
import type { AgentRunFlags } from './agent-run.js';

/** The part of `program.ts`'s run state a command sets (errors then come out as JSON too). */
interface JsonState {
  json: boolean;
}

type Act = <A extends unknown[]>(
  fn: (...args: A) => Promise<number>,
) => (...args: A) => Promise<void>;

/** `corral agent list|install|run`: the flags here; `@corral/agents` loads only when one runs. */
export function registerAgentCommands(
  program: Command,
  act: Act,
  state: JsonState,
  ctx: CliContext,
): void {
  const agent = program
    .command('agent')
    .description('run agent CLIs (Claude Code, Codex, any command) on a task in a sandbox');
  const cacheDir = (): Option =>
    new Option(
      '--cache-dir <dir>',
      'where agents are installed (default: CORRAL_AGENT_CACHE, else <CORRAL_STATE_DIR>/agents, else /var/cache/corral-agents as root, else ~/.cache/corral/agents)',
    );
  agent
    .command('list')
    .alias('ls')
    .description('the agent profiles: version, whether installed, and where')
    .addOption(cacheDir())
    .option('--json', 'print one JSON document on stdout', false)
    .action(
      act(async (flags: AgentListFlags) => {
        state.json = flags.json;
        return (await import('./agent-list.js')).agentListCommand(flags, ctx);
      }),
    );
  agent
    .command('install')
    .description(
      'install agents from npm into the cache, once per version (sandboxes bind it read-only)',
    )
    .argument('<names...>', 'profiles to install, e.g. claude-code codex')
    .addOption(cacheDir())
    .option('--json', 'print one JSON document on stdout', false)
    .action(
      act(async (names: string[], flags: AgentInstallFlags) => {
        state.json = flags.json;
        return (await import('./agent-list.js')).agentInstallCommand(names, flags, ctx);
      }),
    );
  const run = agent
    .command('run')
    .description(
      'run an agent on a prompt in a fresh sandbox: live transcript, the diff at the end, exit 0 when the agent succeeded',
    )
    .argument('<prompt>', 'what the agent should do')
    .requiredOption('--agent <name>', 'claude-code, codex, or generic (with --agent-command)')
    .option('--agent-command <shell>', 'generic: the command to run (/bin/sh -c; the prompt is $1)')
    .option('--workspace <dir>', 'a local directory, copied in (the host copy is never written)')
    .option('--repo <url>', 'a git URL, cloned inside the sandbox')
    .option('--ref <ref>', 'with --repo: the branch, tag or commit to check out')
    .option('--plan', 'plan first (read-only), print the plan and ask before executing it', false)
    .option('-y, --yes', 'with --plan: execute the plan without asking', false)
    .option('--model <model>', "the model the agent asks for (default: the agent's own)")
    .option('--max-turns <n>', 'stop after this many model requests')
    .option('--timeout <duration>', 'stop the agent and delete the sandbox after this long', '30m')
    .option('--out <file>', 'write the unified diff of the changes to this file')
    .option('--task-id <id>', 'the task id (default: agent-<random>)')
    .option(
      '--provider <name>',
      'where the sandbox runs: local (agent from the install cache, key stays on this host) or kubernetes (agent in the image, key in a Secret; docs/agents-kubernetes.md)',
      'local',
    )
    .addOption(
      new Option(
        '--cache-dir <dir>',
        'local: where agents are installed (default: CORRAL_AGENT_CACHE, else <CORRAL_STATE_DIR>/agents, else /var/cache/corral-agents as root, else ~/.cache/corral/agents)',
      ),
    )
    .option('--warm-pool <name>', 'kubernetes: the SandboxWarmPool to claim from')
    .option('--template <name>', 'kubernetes: the SandboxTemplate (v1alpha1 clusters only)');
  addKubeFlags(run)
    .option('--json', 'print the event stream as NDJSON on stdout, then the record', false)
    .action(
      act(async (prompt: string, flags: AgentRunFlags) => {
        state.json = flags.json;
        return (await import('./agent-run.js')).agentRunCommand(prompt, flags, ctx);
      }),
    );
}
