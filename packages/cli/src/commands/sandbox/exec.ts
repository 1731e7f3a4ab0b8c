import { Sandbox } from '@corral/sdk';
import type { CliContext } from '../../context.js';
import { createUi } from '../../output/ui.js';
import { parseDuration } from '../../parse/duration.js';
import { parseEnvPairs } from '../../parse/env.js';
import { exitCodeOf, runInSandbox } from '../exec-core.js';
import type { ExecFlags } from '../exec-core.js';
import { withProvider } from '../lifecycle.js';

export interface SandboxExecFlags extends ExecFlags {
  provider: string;
  env: string[];
  json: boolean;
}

/** `corral sandbox exec <id> -- <cmd...>`: live output, exits with the command's exit code. */
export async function sandboxExecCommand(
  id: string,
  argv: string[],
  flags: SandboxExecFlags,
  ctx: CliContext,
): Promise<number> {
  const ui = createUi(ctx, { json: flags.json });
  const env = parseEnvPairs(flags.env);
  const timeoutMs =
    flags.timeout === undefined ? undefined : parseDuration(flags.timeout, '--timeout');
  return withProvider(ctx, flags.provider, async (provider) => {
    const sandbox = await Sandbox.connect(id, { provider, signal: ctx.signal });
    const outcome = await runInSandbox(
      sandbox,
      argv,
      { timeoutMs, env, ...(flags.cwd === undefined ? {} : { cwd: flags.cwd }) },
      ctx,
      ui,
    );
    if (ui.json) ui.result({ ok: true, sandboxId: sandbox.id, ...outcome });
    return exitCodeOf(outcome);
  });
}
