import { callerUid, InvalidArgumentError, Sandbox } from '@corral/sdk';
import type { SandboxInfo } from '@corral/sdk';
import type { CliContext } from '../../context.js';
import { ExitCode } from '../../exit-codes.js';
import { locatingFlags } from '../rm-hint.js';
import { createUi } from '../../output/ui.js';
import { withProvider } from '../lifecycle.js';
import { withKubernetes } from '../../kube/provider.js';
import type { KubeFlags } from '../../kube/flags.js';
import { checkKubeFlags } from '../create-options.js';

export interface SandboxRmFlags extends KubeFlags {
  provider: string;
  all: boolean;
  allUsers?: boolean;
  ignoreNotFound?: boolean;
  json: boolean;
}

/**
 * `corral sandbox rm <id...>` / `--all`. An id that does not exist is reported as not found (exit
 * 3), so a hint copied with the wrong provider or namespace cannot look like it worked; with
 * `--ignore-not-found` it exits 0, as kubectl does.
 */
export async function sandboxRmCommand(
  ids: string[],
  flags: SandboxRmFlags,
  ctx: CliContext,
): Promise<number> {
  const ui = createUi(ctx, { json: flags.json });
  checkKubeFlags(flags);
  if (flags.allUsers === true && !flags.all) {
    throw new InvalidArgumentError(
      '--all-users goes with --all: `corral sandbox rm --all --all-users`.',
    );
  }
  if (flags.all === ids.length > 0) {
    throw new InvalidArgumentError(
      flags.all
        ? 'Give either sandbox ids or --all, not both.'
        : 'Name at least one sandbox id (see `corral sandbox list`), or pass --all to remove every sandbox.',
    );
  }
  return withProvider(withKubernetes(ctx, flags), flags.provider, async (provider) => {
    const listed = flags.all ? await Sandbox.list({ provider, signal: ctx.signal }) : [];
    const mine = flags.allUsers === true ? listed : listed.filter(createdByCaller);
    const targets = flags.all ? mine.map((info) => info.id) : [...new Set(ids)];
    const removed: string[] = [];
    const notFound: string[] = [];
    // One at a time keeps the failure report simple; a provider delete is fast.
    for (const id of targets) {
      const exists = flags.all || (await provider.get(id, { signal: ctx.signal })) !== undefined;
      await Sandbox.kill(id, { provider, signal: ctx.signal });
      (exists ? removed : notFound).push(id);
      if (exists && !ui.json) ui.data(id);
    }
    const where = locatingFlags(flags);
    for (const id of notFound) {
      if (flags.ignoreNotFound !== true)
        ui.status(
          `Error: sandbox ${id} not found in the ${provider.name} provider${where === '' ? '' : ` (${where})`}; \`corral sandbox list${where === '' ? '' : ` ${where}`}\` shows what exists.`,
        );
    }
    const failed = notFound.length > 0 && flags.ignoreNotFound !== true;
    if (ui.json) ui.result({ ok: !failed, removed, notFound });
    else if (targets.length === 0 && listed.length === 0) ui.status('No sandboxes to remove.');
    const others = listed.length - mine.length;
    if (others > 0 && !ui.json)
      ui.status(
        `Kept ${others} sandbox${others === 1 ? '' : 'es'} of other users; \`corral sandbox rm --all --all-users\` removes them too.`,
      );
    return failed ? ExitCode.NOT_FOUND : 0;
  });
}

/**
 * Root's local sandboxes share one state dir (`/var/lib/corral`), so `--all` keeps to the ones
 * the caller made (`SUDO_UID` under sudo). Sandboxes without a recorded creator (Kubernetes, older
 * records) count as the caller's, as before.
 */
function createdByCaller(info: SandboxInfo): boolean {
  const creator = info.metadata.creatorUid;
  return creator === undefined || creator === String(callerUid());
}
