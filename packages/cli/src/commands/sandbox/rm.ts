import { InvalidArgumentError, Sandbox } from '@corral/sdk';
import type { CliContext } from '../../context.js';
import { createUi } from '../../output/ui.js';
import { withProvider } from '../lifecycle.js';
import { withKubernetes } from '../../kube/provider.js';
import type { KubeFlags } from '../../kube/flags.js';
import { checkKubeFlags } from '../create-options.js';

export interface SandboxRmFlags extends KubeFlags {
  provider: string;
  all: boolean;
  json: boolean;
}

/** `corral sandbox rm <id...>` / `--all`: idempotent; removing a missing sandbox succeeds. */
export async function sandboxRmCommand(
  ids: string[],
  flags: SandboxRmFlags,
  ctx: CliContext,
): Promise<number> {
  const ui = createUi(ctx, { json: flags.json });
  checkKubeFlags(flags);
  if (flags.all === ids.length > 0) {
    throw new InvalidArgumentError(
      flags.all
        ? 'Give either sandbox ids or --all, not both.'
        : 'Name at least one sandbox id (see `corral sandbox list`), or pass --all to remove every sandbox.',
    );
  }
  return withProvider(withKubernetes(ctx, flags), flags.provider, async (provider) => {
    const targets = flags.all
      ? (await Sandbox.list({ provider, signal: ctx.signal })).map((info) => info.id)
      : [...new Set(ids)];
    // One at a time keeps the failure report simple; a provider delete is fast.
    for (const id of targets) {
      await Sandbox.kill(id, { provider, signal: ctx.signal });
      if (!ui.json) ui.data(id);
    }
    if (ui.json) ui.result({ ok: true, removed: targets });
    else if (targets.length === 0) ui.status('No sandboxes to remove.');
    return 0;
  });
}
