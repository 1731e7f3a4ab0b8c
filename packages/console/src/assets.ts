import { fileURLToPath } from 'node:url';

/**
 * The directory holding `index.html` and the bundled script and stylesheet. The path is the
 * same from `src/` (workspace source condition) and from `dist/`: both sit one level below the
 * package root, and the assets always live in the package's `dist/web`.
 */
export function consoleAssetsDir(): string {
  return fileURLToPath(new URL('../dist/web', import.meta.url));
}

/** `index.html` inside `consoleAssetsDir()`: the page for every console route. */
export function consoleIndexFile(): string {
  return fileURLToPath(new URL('../dist/web/index.html', import.meta.url));
}
