import { Sandbox } from '@corral/sdk';
import type { CommandInfo } from '@corral/sdk';
import type { CliContext } from '../../context.js';
import { formatTable } from '../../output/table.js';
import { createUi } from '../../output/ui.js';
import { withProvider } from '../lifecycle.js';
import { withKubernetes } from '../../kube/provider.js';
import type { KubeFlags } from '../../kube/flags.js';
import { checkKubeFlags } from '../create-options.js';
import { podAccess } from '../../kube/pod-fallback.js';

export interface SandboxLogsFlags extends KubeFlags {
  provider: string;
  command?: string;
  list: boolean;
  json: boolean;
}

/**
 * `corral sandbox logs <id>`: the output of one command in the sandbox, replayed from the
 * runner's buffer: the task's command if a task was submitted, else the latest command (or
 * `--command <id>`). A command still running is followed until it exits; Ctrl-C stops following
 * and leaves the command running. `--list` shows every command the runner knows.
 */
export async function sandboxLogsCommand(
  id: string,
  flags: SandboxLogsFlags,
  ctx: CliContext,
): Promise<number> {
  const ui = createUi(ctx, { json: flags.json });
  checkKubeFlags(flags);
  return withProvider(withKubernetes(ctx, flags), flags.provider, async (provider) => {
    const pods = flags.provider === 'kubernetes' ? podAccess(provider) : undefined;
    // On Kubernetes the sandbox's log is its pod's: the runner's own output and what it ran.
    if (pods !== undefined && !flags.list && flags.command === undefined) {
      const lines: string[] = [];
      for await (const line of pods.logs(id, { signal: ctx.signal })) {
        if (ui.json) lines.push(line);
        else ctx.stdout.write(`${line}\n`);
      }
      if (ui.json) ui.result({ ok: true, sandboxId: id, source: 'pod', lines });
      return 0;
    }
    const sandbox = await Sandbox.connect(id, { provider, signal: ctx.signal });
    if (flags.list) {
      const commands = await sandbox.commands.list({ signal: ctx.signal });
      if (ui.json) ui.result(commands);
      else if (commands.length === 0) ui.status(`No command has run in sandbox ${id} yet.`);
      else
        ui.data(
          formatTable(['COMMAND ID', 'STATUS', 'EXIT', 'STARTED', 'COMMAND'], commands.map(row)),
        );
      return 0;
    }
    const commandId = flags.command ?? (await pickCommand(sandbox, ctx.signal));
    if (commandId === undefined) {
      if (ui.json) ui.result({ ok: true, sandboxId: id, commandId: null });
      else
        ui.status(
          `No command has run in sandbox ${id} yet. Start one with \`corral sandbox exec ${id} -- <cmd>\`.`,
        );
      return 0;
    }
    const handle = await sandbox.commands.connect(commandId, {
      ...(ui.json
        ? {}
        : {
            onStdout: (text: string) => void ctx.stdout.write(text),
            onStderr: (text: string) => void ctx.stderr.write(text),
          }),
      signal: ctx.signal,
    });
    const result = await handle.wait();
    if (ui.json) {
      ui.result({
        ok: true,
        sandboxId: id,
        commandId,
        exitCode: result.exitCode,
        signal: result.signal,
        timedOut: result.timedOut,
        stdout: result.stdout,
        stderr: result.stderr,
      });
    }
    return 0;
  });
}

/** The task's command if there is one, else the command that started last. */
async function pickCommand(sandbox: Sandbox, signal: AbortSignal): Promise<string | undefined> {
  const task = await sandbox.tasks.get({ signal });
  if (task.commandId !== undefined) return task.commandId;
  const commands = await sandbox.commands.list({ signal });
  const latest = commands.reduce<CommandInfo | undefined>(
    (best, info) => (best === undefined || info.startedAt >= best.startedAt ? info : best),
    undefined,
  );
  return latest?.id;
}

function row(info: CommandInfo): string[] {
  return [
    info.id,
    info.status,
    info.exitCode === null ? (info.signal ?? '-') : String(info.exitCode),
    info.startedAt,
    info.cmd ? info.cmd.join(' ') : (info.shell ?? ''),
  ];
}
