/** Test helpers: private state dirs, leftovers checks, an in-process server on the local provider. */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalProvider } from '@corral/sdk';
import type { SandboxProvider } from '@corral/sdk';
import { CorralMcpServer } from '../src/index.js';
import type { CorralMcpOptions } from '../src/index.js';

export async function tempStateDir(): Promise<string> {
  // Under /var/lib as root, like the local provider's own tests: per-sandbox uids must reach it.
  const base = process.getuid?.() === 0 ? '/var/lib' : tmpdir();
  return mkdtemp(join(base, 'corral-mcp-test-'));
}

/** Sandbox directories still in the state dir. */
export async function sandboxDirs(stateDir: string): Promise<string[]> {
  const entries = await readdir(stateDir).catch(() => []);
  return entries.filter((name) => name.startsWith('sbx-'));
}

/** Processes whose command line mentions the state dir (runners, bwrap, sandboxed commands). */
export async function processesUsing(stateDir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(stateDir)) pids.push(Number(entry));
  }
  return pids;
}

export async function assertNothingLeft(stateDir: string): Promise<void> {
  const dirs = await sandboxDirs(stateDir);
  const pids = await processesUsing(stateDir);
  if (dirs.length > 0 || pids.length > 0) {
    throw new Error(`left behind: dirs ${dirs.join(', ') || '-'}; pids ${pids.join(', ') || '-'}`);
  }
}

export interface LocalServer {
  stateDir: string;
  provider: SandboxProvider;
  mcp: CorralMcpServer;
  close(): Promise<void>;
}

export async function localServer(
  options: Omit<CorralMcpOptions, 'provider'> = {},
): Promise<LocalServer> {
  const stateDir = await tempStateDir();
  const provider = createLocalProvider({ stateDir, minReady: 0 });
  const mcp = new CorralMcpServer({ ...options, provider });
  return {
    stateDir,
    provider,
    mcp,
    async close() {
      await mcp.close();
      await provider.close();
      await assertNothingLeft(stateDir);
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

/** The text of a tool result's first content block. */
export function textOf(result: unknown): string {
  const content = (result as { content?: Array<{ type: string; text?: string }> }).content ?? [];
  return content.map((c) => c.text ?? '').join('\n');
}
