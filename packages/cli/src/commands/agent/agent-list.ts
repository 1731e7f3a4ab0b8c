import {
  builtinProfiles,
  defaultAgentCacheDir,
  findInstalled,
  findProfile,
  installAgent,
  type AgentProfile,
} from '@corral/agents';
import type { CliContext } from '../../context.js';
import { ExitCode } from '../../exit-codes.js';
import { formatTable } from '../../output/table.js';
import { createUi } from '../../output/ui.js';
import { describeAgentError, reportAgentError } from './agent-errors.js';

export interface AgentListFlags {
  cacheDir?: string;
  json: boolean;
}

export type AgentInstallFlags = AgentListFlags;

export function agentCacheDir(flags: { cacheDir?: string }, ctx: CliContext): string {
  return flags.cacheDir ?? defaultAgentCacheDir(ctx.env);
}

/** `corral agent list`: every profile, its pinned version, and whether the cache holds it. */
export async function agentListCommand(flags: AgentListFlags, ctx: CliContext): Promise<number> {
  const ui = createUi(ctx, { json: flags.json });
  const cacheDir = agentCacheDir(flags, ctx);
  const rows = await Promise.all(
    builtinProfiles.map(async (profile) => {
      const installed = await findInstalled(profile, { cacheDir });
      return {
        name: profile.name,
        description: profile.description,
        package: profile.npm?.name ?? null,
        version: profile.npm?.version ?? null,
        installed: installed !== undefined,
        dir: installed?.dir ?? null,
        hosts: profile.hosts,
      };
    }),
  );
  const generic = {
    name: 'generic',
    description: 'any command printing JSON lines or text (--agent-command)',
    package: null,
    version: null,
    installed: true,
    dir: null,
    hosts: [] as readonly string[],
  };
  if (ui.json) {
    ui.result({ cacheDir, profiles: [...rows, generic] });
    return ExitCode.OK;
  }
  ui.data(
    formatTable(
      ['NAME', 'VERSION', 'INSTALLED', 'DESCRIPTION'],
      [...rows, generic].map((r) => [
        r.name,
        r.version ?? '-',
        r.version === null ? 'built in' : r.installed ? 'yes' : 'no',
        r.description,
      ]),
    ),
  );
  ui.status(ui.paint('dim', `cache: ${cacheDir}`));
  const missing = rows.filter((r) => !r.installed).map((r) => r.name);
  if (missing.length > 0)
    ui.status(ui.paint('dim', `install with: corral agent install ${missing.join(' ')}`));
  return ExitCode.OK;
}

/** `corral agent install <name…>`: npm installs each pinned version once into the cache. */
export async function agentInstallCommand(
  names: string[],
  flags: AgentInstallFlags,
  ctx: CliContext,
): Promise<number> {
  const ui = createUi(ctx, { json: flags.json });
  const cacheDir = agentCacheDir(flags, ctx);
  const profiles: AgentProfile[] = [];
  for (const name of names) {
    const profile = findProfile(name);
    if (!profile?.npm) {
      return reportAgentError(
        {
          exitCode: ExitCode.USAGE,
          code: 'UNKNOWN_AGENT',
          message: `${JSON.stringify(name)} is not an installable agent; use one of ${builtinProfiles.map((p) => p.name).join(', ')}.`,
          hint: '`corral agent list` shows the profiles.',
        },
        ctx,
        flags,
      );
    }
    profiles.push(profile);
  }
  const results: { name: string; version: string; dir: string; ms: number; cached: boolean }[] = [];
  for (const profile of profiles) {
    const started = performance.now();
    const cached = await findInstalled(profile, { cacheDir });
    const spinner = ui.spin(`Installing ${profile.npm?.name}@${profile.npm?.version}…`);
    try {
      const installed = cached ?? (await installAgent(profile, { cacheDir, signal: ctx.signal }));
      const ms = Math.round(performance.now() - started);
      results.push({
        name: profile.name,
        version: installed.version,
        dir: installed.dir,
        ms,
        cached: cached !== undefined,
      });
      spinner.stop();
      if (!ui.json)
        ui.data(
          cached
            ? `${profile.name} ${installed.version}: already installed in ${installed.dir}`
            : `${profile.name} ${installed.version}: installed in ${installed.dir} (${(ms / 1000).toFixed(1)} s)`,
        );
    } catch (error) {
      spinner.stop();
      return reportAgentError(describeAgentError(error, ctx), ctx, flags);
    }
  }
  if (ui.json) ui.result({ ok: true, cacheDir, installed: results });
  return ExitCode.OK;
}
