/**
 * Runs once before the whole test suite. Builds the artifacts that tests execute as real
 * processes (the runner bundle), so `npm test` works on a fresh clone without a manual build.
 */
import { rename } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const runnerDir = fileURLToPath(new URL('../packages/runner/', import.meta.url));

export default async function setup(): Promise<void> {
  const outfile = `${runnerDir}dist/runner.mjs`;
  // Build beside the target and rename, so a concurrently running suite never sees half a file.
  const temp = `${outfile}.${process.pid}.tmp`;
  await build({
    entryPoints: [`${runnerDir}src/main.ts`],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: temp,
    logLevel: 'warning',
  });
  await rename(temp, outfile);
}
