import type { CliContext } from '../../context.js';
import { rmCommand } from '../rm-hint.js';
import { createUi } from '../../output/ui.js';
import { shortDuration } from '../../output/short-duration.js';
import { toCreateOptions } from '../create-options.js';
import type { CreateFlags } from '../create-flags.js';
import { withKubernetes } from '../../kube/provider.js';

export interface SandboxCreateFlags extends CreateFlags {
  json: boolean;
}

/** `corral sandbox create`: prints the id; the sandbox keeps running after the CLI exits. */
export async function sandboxCreateCommand(
  flags: SandboxCreateFlags,
  ctx: CliContext,
): Promise<number> {
  const ui = createUi(ctx, { json: flags.json });
  const options = toCreateOptions(flags);
  const spinner = ui.spin('Creating sandbox…');
  let info;
  try {
    info = await withKubernetes(ctx, flags).createDetached(flags.provider, options);
  } finally {
    spinner.stop();
  }
  if (ui.json) {
    ui.result({ ok: true, sandbox: info });
    return 0;
  }
  ui.data(info.id);
  ui.status(
    ui.paint(
      'dim',
      `Created sandbox ${info.id} (${info.isolation.level}, network ${info.isolation.network.mode}${expiry(info.expiresAt)}). Remove it with \`${rmCommand(info.id, flags)}\`.`,
    ),
  );
  for (const warning of info.isolation.warnings)
    ui.status(ui.paint('yellow', `Warning: ${warning}`));
  return 0;
}

function expiry(expiresAt: Date | undefined): string {
  if (expiresAt === undefined) return '';
  return `, expires in ${shortDuration(expiresAt.getTime() - Date.now())}`;
}
