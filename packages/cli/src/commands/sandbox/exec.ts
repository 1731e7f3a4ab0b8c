import { Sandbox, compact } from '@corral/sdk';
import type { CliContext } from '../../context.js';
import { createUi } from '../../output/ui.js';
import { parseDuration } from '../../parse/duration.js';
import { parseEnvPairs } from '../../parse/env.js';
import { exitCodeOf, runInSandbox, stdinFor } from '../exec-core.js';
import { runOnTerminal, terminalFor, type TtyFlags } from '../tty-run.js';
import type { ExecFlags } from '../exec-core.js';
import { withProvider } from '../lifecycle.js';
import { withKubernetes } from '../../kube/provider.js';
import type { KubeFlags } from '../../kube/flags.js';
import { checkKubeFlags } from '../create-options.js';
import { connectRunner, podAccess } from '../../kube/pod-fallback.js';
import type { PodAccess } from '../../kube/pod-fallback.js';
import { InvalidArgumentError } from '@corral/sdk';
import type { Ui } from '../../output/ui.js';

export interface SandboxExecFlags extends ExecFlags, KubeFlags, TtyFlags {
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
  checkKubeFlags(flags);
  const env = parseEnvPairs(flags.env);
  const timeoutMs =
    flags.timeout === undefined ? undefined : parseDuration(flags.timeout, '--timeout');
  const terminal = terminalFor(flags, ctx, ui);
  const interactive = flags.interactive === true;
  return withProvider(withKubernetes(ctx, flags), flags.provider, async (provider) => {
    const stdin = terminal ? undefined : stdinFor(ctx, interactive);
    try {
      const pods = flags.provider === 'kubernetes' ? podAccess(provider) : undefined;
      const sandbox =
        pods === undefined
          ? await Sandbox.connect(id, { provider, signal: ctx.signal })
          : await connectRunner(id, provider, ctx.signal);
      if (sandbox === undefined) {
        if (terminal)
          ui.status('Warning: the pods/exec fallback has no terminal; running without -t.');
        return execThroughApi(id, argv, flags, { timeoutMs, env }, pods!, ctx);
      }
      const execOptions = {
        timeoutMs,
        env,
        stdin,
        ...compact({ cwd: flags.cwd }),
      };
      const outcome = terminal
        ? await runOnTerminal(sandbox, argv, { ...execOptions, interactive }, ctx, ui, terminal)
        : await runInSandbox(sandbox, argv, execOptions, ctx, ui);
      if (ui.json) ui.result({ ok: true, sandboxId: sandbox.id, ...outcome });
      return exitCodeOf(outcome);
    } finally {
      stdin?.stop();
    }
  });
}

/**
 * The runner is out of reach: run through the API server's pods/exec instead. Output arrives when
 * the command ends, and --env/--cwd have no equivalent there.
 */
async function execThroughApi(
  id: string,
  argv: string[],
  flags: SandboxExecFlags,
  options: { timeoutMs: number | undefined; env: Record<string, string> },
  pods: PodAccess,
  ctx: CliContext,
): Promise<number> {
  const ui: Ui = createUi(ctx, { json: flags.json });
  if (Object.keys(options.env).length > 0 || flags.cwd !== undefined) {
    throw new InvalidArgumentError(
      `The runner of sandbox ${id} is not reachable from here, and the pods/exec fallback cannot set --env or --cwd; ` +
        "drop them, or wrap the command: -- sh -c 'cd dir && NAME=value cmd'.",
    );
  }
  ui.status(ui.paint('dim', `runner of ${id} not reachable; using the pods/exec API`));
  const started = performance.now();
  const result = await pods.exec(
    id,
    argv,
    compact({
      timeoutMs: options.timeoutMs,
      signal: ctx.signal,
    }),
  );
  if (ui.json) {
    ui.result({
      ok: true,
      sandboxId: id,
      command: argv,
      exitCode: result.exitCode,
      signal: null,
      timedOut: false,
      durationMs: Math.round(performance.now() - started),
      stdout: result.stdout,
      stderr: result.stderr,
      via: 'pods/exec',
    });
  } else {
    ctx.stdout.write(result.stdout);
    ctx.stderr.write(result.stderr);
  }
  return result.exitCode;
}
