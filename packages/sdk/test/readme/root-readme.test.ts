import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const here = fileURLToPath(new URL('.', import.meta.url));

/** Every ```ts block of the root README that imports `@corral/sdk`. */
function sdkSnippets(): string[] {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  return [...readme.matchAll(/```ts\n([\s\S]*?)```/g)]
    .map((m) => m[1]!)
    .filter((code) => code.includes("from '@corral/sdk'"));
}

describe('the root README', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0).reverse()) cleanup();
  });

  it('has TypeScript snippets to check', () => {
    expect(sdkSnippets().length).toBeGreaterThan(0);
  });

  it.each(sdkSnippets().map((code, i) => [i + 1, code] as const))(
    'snippet %i parses as plain JavaScript on this Node, runs as written, and leaves nothing behind',
    (_index, code) => {
      // Inside the workspace so that `@corral/sdk` resolves the way it does for a user.
      const file = join(here, `.root-readme-${process.pid}.generated.mjs`);
      writeFileSync(file, code);
      cleanups.push(() => rmSync(file, { force: true }));
      const stateDir = mkdtempSync(join(tmpdir(), 'corral-readme-'));
      cleanups.push(() => rmSync(stateDir, { recursive: true, force: true }));

      // No transpiler: a user on Node 20 pasting the snippet into a .mjs file gets this parse.
      const check = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8' });
      expect(check.stderr).toBe('');
      expect(check.status).toBe(0);

      const run = spawnSync(
        process.execPath,
        ['--conditions=@corral/source', '--import', 'tsx', file],
        {
          cwd: repoRoot,
          encoding: 'utf8',
          env: { ...process.env, CORRAL_STATE_DIR: stateDir },
          timeout: 60_000,
        },
      );
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(run.stdout).toBe('0 42\n');
      // A sandbox is a directory in the state dir; caches beside them are files or dot-directories
      // (the provider's shared `.runtime`).
      const left = readdirSync(stateDir, { withFileTypes: true }).filter(
        (e) => e.isDirectory() && !e.name.startsWith('.'),
      );
      expect(left.map((e) => e.name)).toEqual([]);
    },
  );
});
