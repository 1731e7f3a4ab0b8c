/**
 * Runs once before the whole test suite. Builds the artifacts that tests execute as real
 * processes, so `npm test` works on a fresh clone without a manual build: the runner bundle, and
 * the CLI's `dist/` (tests spawn `packages/cli/bin/corral.js`, as users do) when any source the
 * CLI is built from is newer than its output.
 */
import { execFile } from 'node:child_process';
import { readdir, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../', import.meta.url));
const runnerDir = join(root, 'packages/runner/');
/** The CLI and every package its build references (packages/cli/tsconfig.build.json). */
const CLI_BUILD = ['cli', 'sdk', 'agent-sandbox', 'runner', 'orchestrator', 'agents'];

export default async function setup(): Promise<void> {
  await Promise.all([buildRunner(), buildCliIfStale()]);
}

async function buildRunner(): Promise<void> {
  const outfile = `${runnerDir}dist/runner.mjs`;
  // up to date: nothing to write (the non-root CI step runs on a clone it cannot write to)
  const [built, sources, self] = await Promise.all([
    stat(outfile).then(
      (s) => s.mtimeMs,
      () => 0,
    ),
    newest(join(runnerDir, 'src')),
    stat(fileURLToPath(import.meta.url)).then((s) => s.mtimeMs),
  ]);
  if (built > Math.max(sources, self)) return;
  // Build beside the target and rename, so a concurrently running suite never sees half a file.
  const temp = `${outfile}.${process.pid}.tmp`;
  // Same working dir and entry as the package's own `build` script and `sync:deploy`, so all three
  // write byte-identical bundles (esbuild's path comments are relative to it).
  await build({
    absWorkingDir: runnerDir.replace(/\/$/, ''),
    entryPoints: ['src/main.ts'],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: temp,
    logLevel: 'warning',
  });
  await rename(temp, outfile);
}

async function newest(dir: string): Promise<number> {
  let latest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const { mtimeMs } = await stat(join(entry.parentPath, entry.name));
    latest = Math.max(latest, mtimeMs);
  }
  return latest;
}

async function buildCliIfStale(): Promise<void> {
  // tsc -b leaves unchanged outputs alone, so their mtimes say nothing: a stamp records the check
  const stamp = join(root, 'packages/cli/dist/.built-for-tests');
  const built = await stat(stamp).then(
    (s) => s.mtimeMs,
    () => 0,
  );
  const sources = await Promise.all(
    CLI_BUILD.map((pkg) => newest(join(root, 'packages', pkg, 'src')).catch(() => 0)),
  );
  if (built > Math.max(...sources)) return;
  // tsc -b is incremental: only the packages whose sources changed are emitted again
  try {
    await promisify(execFile)(
      process.execPath,
      [join(root, 'node_modules/typescript/bin/tsc'), '-b', 'packages/cli/tsconfig.build.json'],
      { cwd: root },
    );
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(
      `Building the CLI failed; the CLI tests run packages/cli/bin/corral.js, which imports dist/. ` +
        `Fix the errors below (or run \`npm run build\`):\n${stdout}${stderr}`,
    );
  }
  await writeFile(stamp, `${new Date().toISOString()}\n`);
}
