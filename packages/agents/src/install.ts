/**
 * The agent install cache: each agent version is installed once from npm into
 * `<cacheDir>/<name>@<version>/` and bound read-only into every sandbox that runs it, so a run
 * never installs anything. Installs go to a temporary directory first and are renamed into
 * place, so a crashed or concurrent install never leaves a half-installed version visible.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, chmod, mkdir, rename, rm, writeFile, constants } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { compact } from '@corral/sdk';
import { AgentError, AgentNotInstalledError } from './errors.js';
import type { AgentProfile } from './profiles/types.js';

const COMPLETE = '.corral-installed';

/** `CORRAL_AGENT_CACHE`, else `<CORRAL_STATE_DIR>/agents`, else `/var/cache/corral-agents` as root, else `~/.cache/corral/agents`. */
export function defaultAgentCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CORRAL_AGENT_CACHE) return env.CORRAL_AGENT_CACHE;
  if (env.CORRAL_STATE_DIR) return join(env.CORRAL_STATE_DIR, 'agents');
  if (process.getuid?.() === 0) return '/var/cache/corral-agents';
  return join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'corral', 'agents');
}

export interface InstalledAgent {
  /** The install directory (bound read-only into sandboxes). */
  dir: string;
  /** The binary's absolute host path. */
  bin: string;
  /** The binary relative to `dir`. */
  binary: string;
  version: string;
}

function installDir(cacheDir: string, profile: AgentProfile, version: string): string {
  return join(cacheDir, `${profile.name}@${version}`);
}

/** The installed agent, or undefined when this version is not in the cache. */
export async function findInstalled(
  profile: AgentProfile,
  options: { cacheDir?: string; version?: string } = {},
): Promise<InstalledAgent | undefined> {
  if (!profile.npm || !profile.binary) return undefined;
  const version = options.version ?? profile.npm.version;
  const dir = installDir(options.cacheDir ?? defaultAgentCacheDir(), profile, version);
  try {
    await access(join(dir, COMPLETE));
    await access(join(dir, profile.binary), constants.X_OK);
  } catch {
    return undefined;
  }
  return { dir, bin: join(dir, profile.binary), binary: profile.binary, version };
}

export async function requireInstalled(
  profile: AgentProfile,
  options: { cacheDir?: string; version?: string } = {},
): Promise<InstalledAgent> {
  const found = await findInstalled(profile, options);
  if (found) return found;
  const cacheDir = options.cacheDir ?? defaultAgentCacheDir();
  throw new AgentNotInstalledError(
    `${profile.name} ${options.version ?? profile.npm?.version ?? ''} is not installed in ${cacheDir}; ` +
      `run \`corral agent install ${profile.name}\` (or installAgent()) once first`,
  );
}

/** Installs the profile's npm package once (a no-op when already installed). */
export async function installAgent(
  profile: AgentProfile,
  options: { cacheDir?: string; version?: string; signal?: AbortSignal; npm?: string } = {},
): Promise<InstalledAgent> {
  if (!profile.npm || !profile.binary)
    throw new AgentError(`profile ${profile.name} has nothing to install`, {
      code: 'INVALID_ARGUMENT',
    });
  const found = await findInstalled(profile, options);
  if (found) return found;
  const cacheDir = options.cacheDir ?? defaultAgentCacheDir();
  const version = options.version ?? profile.npm.version;
  // sandboxes run as other uids: the cache must be readable and traversable by them
  await mkdir(cacheDir, { recursive: true, mode: 0o755 });
  await chmod(cacheDir, 0o755);
  const tmp = join(cacheDir, `.tmp-${profile.name}-${randomBytes(6).toString('hex')}`);
  await mkdir(tmp, { mode: 0o755 });
  try {
    await npmInstall(options.npm ?? 'npm', tmp, `${profile.npm.name}@${version}`, options.signal);
    await access(join(tmp, profile.binary), constants.X_OK).catch(() => {
      throw new AgentError(
        `npm installed ${profile.npm?.name}@${version} but ${profile.binary} is missing (is the linux-x64 platform package available on your registry?)`,
        { code: 'AGENT_INSTALL_FAILED' },
      );
    });
    await writeFile(join(tmp, COMPLETE), `${new Date().toISOString()}\n`, { mode: 0o644 });
    const dir = installDir(cacheDir, profile, version);
    try {
      await rename(tmp, dir);
    } catch (error) {
      // another installer won the race; its copy is as good as ours
      if (!(await findInstalled(profile, options))) throw error;
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return (await findInstalled(profile, options))!;
}

function npmInstall(npm: string, prefix: string, spec: string, signal?: AbortSignal) {
  return new Promise<void>((resolve, reject) => {
    const child = spawn(
      npm,
      [
        'install',
        '--prefix',
        prefix,
        '--no-save',
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
        spec,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], ...compact({ signal }) },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    child.on('error', (e) =>
      reject(
        new AgentError(`cannot run npm: ${e.message}`, { code: 'AGENT_INSTALL_FAILED', cause: e }),
      ),
    );
    child.on('exit', (code) =>
      code === 0
        ? resolve()
        : reject(
            new AgentError(`npm install ${spec} failed (exit ${code}): ${stderr.trim()}`, {
              code: 'AGENT_INSTALL_FAILED',
              retryable: true,
            }),
          ),
    );
  });
}
