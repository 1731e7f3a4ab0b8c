import { Sandbox } from '@corral/sdk';
import type { SandboxInfo } from '@corral/sdk';
import type { CliContext } from '../../context.js';
import { formatTable } from '../../output/table.js';
import { shortDuration as duration } from '../../output/short-duration.js';
import { createUi } from '../../output/ui.js';
import { parseLabelPairs } from '../../parse/env.js';
import { withProvider } from '../lifecycle.js';
import { withKubernetes } from '../../kube/provider.js';
import type { KubeFlags } from '../../kube/flags.js';
import { checkKubeFlags } from '../create-options.js';

export interface SandboxListFlags extends KubeFlags {
  provider: string;
  label: string[];
  json: boolean;
}

/** `corral sandbox list`: a table on stdout, or a JSON array with `--json`. */
export async function sandboxListCommand(
  flags: SandboxListFlags,
  ctx: CliContext,
): Promise<number> {
  const ui = createUi(ctx, { json: flags.json });
  checkKubeFlags(flags);
  const labels = parseLabelPairs(flags.label);
  return withProvider(withKubernetes(ctx, flags), flags.provider, async (provider) => {
    const sandboxes = await Sandbox.list({
      provider,
      ...(flags.label.length > 0 ? { labels } : {}),
      signal: ctx.signal,
    });
    if (ui.json) {
      ui.result(sandboxes);
    } else if (sandboxes.length === 0) {
      ui.status('No sandboxes. Create one with `corral sandbox create`.');
    } else {
      ui.data(
        formatTable(
          ['ID', 'STATE', 'ISOLATION', 'NETWORK', 'AGE', 'EXPIRES', 'LABELS'],
          sandboxes.map(row),
        ),
      );
    }
    return 0;
  });
}

function row(info: SandboxInfo): string[] {
  return [
    info.id,
    info.state,
    info.isolation.level,
    info.isolation.network.mode === 'allow'
      ? `allow=${info.isolation.network.domains.join(',')}`
      : info.isolation.network.mode,
    duration(Date.now() - new Date(info.createdAt).getTime()),
    info.expiresAt === undefined
      ? '-'
      : `in ${duration(new Date(info.expiresAt).getTime() - Date.now())}`,
    Object.entries(info.labels)
      .map(([key, value]) => `${key}=${value}`)
      .join(','),
  ];
}
