import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Absolute path of the single-file runner (`dist/runner.mjs`), to copy into images or spawn.
 * Works from both `src/` (workspace source condition) and `dist/`.
 */
export function runnerBundlePath(): string {
  const path = fileURLToPath(new URL('../dist/runner.mjs', import.meta.url));
  if (!existsSync(path)) {
    throw new Error(
      `the runner bundle ${path} does not exist; build it with "npm run build -w @corral/runner"`,
    );
  }
  return path;
}
