import type { Sandbox } from '@corral/sdk';
import { compact } from '@corral/sdk';
import type { CliContext } from '../context.js';
import { createUi } from '../output/ui.js';
import type { Ui } from '../output/ui.js';
import { parseDuration } from '../parse/duration.js';
import { toCreateOptions } from './create-options.js';
import type { CreateFlags } from './create-flags.js';
import { exitCodeOf, runInSandbox, stdinFor } from './exec-core.js';
import { runOnTerminal, terminalFor, type TtyFlags } from './tty-run.js';
import type { ExecFlags } from './exec-core.js';
import { withTemporarySandbox } from './lifecycle.js';
import { withKubernetes } from '../kube/provider.js';

export interface RunFlags extends CreateFlags, ExecFlags, TtyFlags {
  json: boolean;
}

/**
 * `corral run -- <cmd...>`: a fresh sandbox for one command, removed afterwards. Exits with the
 * command's exit code. `--env` sets the sandbox's environment.
 */
export async function runCommand(
  argv: string[],
  flags: RunFlags,
  ctx: CliContext,
): Promise<number> {
  const ui = createUi(ctx, { json: flags.json });
  // Validate everything first: bad input must fail before a sandbox exists.
  const createOptions = toCreateOptions(flags);
  const timeoutMs =
    flags.timeout === undefined ? undefined : parseDuration(flags.timeout, '--timeout');
  const kctx = withKubernetes(ctx, flags);
  const terminal = terminalFor(flags, ctx, ui);
  const interactive = flags.interactive === true;
  const stdin = terminal ? undefined : stdinFor(ctx, interactive);
  try {
    return await withTemporarySandbox(kctx, ui, flags.provider, createOptions, async (sandbox) => {
      announce(ui, sandbox);
      const execOptions = {
        timeoutMs,
        env: {},
        stdin,
        ...compact({ cwd: flags.cwd }),
      };
      const outcome = terminal
        ? await runOnTerminal(sandbox, argv, { ...execOptions, interactive }, ctx, ui, terminal)
        : await runInSandbox(sandbox, argv, execOptions, ctx, ui);
      // a limit that is not enforced is part of the result, never silently dropped (decision 0030)
      const notApplied = sandbox.cachedInfo.isolation.limitsNotApplied ?? {};
      const limits = Object.keys(notApplied).length > 0 ? { limitsNotApplied: notApplied } : {};
      if (ui.json) ui.result({ ok: true, sandboxId: sandbox.id, ...limits, ...outcome });
      return exitCodeOf(outcome);
    });
  } finally {
    stdin?.stop();
  }
}

/** On a terminal, one dim line says where the command runs; pipes get the command's output only. */
function announce(ui: Ui, sandbox: Sandbox): void {
  if (!ui.interactive) return;
  const { isolation } = sandbox.cachedInfo;
  ui.status(
    ui.paint(
      'dim',
      `sandbox ${sandbox.id} · ${isolation.level} · network ${isolation.network.mode}`,
    ),
  );
  for (const warning of isolation.warnings) ui.status(ui.paint('yellow', `Warning: ${warning}`));
}
