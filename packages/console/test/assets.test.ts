import { readFileSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { consoleAssetsDir, consoleIndexFile } from '@corral/console';

// XML namespace identifiers Preact compares element namespaces with; never fetched.
const NAMESPACES = new Set([
  'http://www.w3.org/1998/Math/MathML',
  'http://www.w3.org/1999/xhtml',
  'http://www.w3.org/2000/svg',
]);

describe('@corral/console assets', () => {
  it('ships index.html, the script and the stylesheet it loads in consoleAssetsDir()', async () => {
    const dir = consoleAssetsDir();
    expect(consoleIndexFile()).toBe(join(dir, 'index.html'));
    const files = await readdir(dir).catch(() => {
      throw new Error(`${dir} is missing: run \`npm run build -w @corral/console\``);
    });
    expect(files.sort()).toEqual(['app.css', 'app.js', 'index.html']);
    const html = await readFile(consoleIndexFile(), 'utf8');
    expect(html).toContain('<script type="module" src="/app.js">');
    expect(html).toContain('<link rel="stylesheet" href="/app.css" />');
  });

  it('makes no network request beyond its own server: no absolute URL in any asset', async () => {
    const dir = consoleAssetsDir();
    for (const name of await readdir(dir)) {
      const text = await readFile(join(dir, name), 'utf8');
      const urls = [...text.matchAll(/(?:https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}[^\s"'`)]*/gi)]
        .map((m) => m[0])
        .filter((u) => !NAMESPACES.has(u));
      expect({ name, urls }).toEqual({ name, urls: [] });
    }
  });

  it('resolves from @corral/cli as `corral serve` does (package.json and the entry are exported)', () => {
    const cli = fileURLToPath(new URL('../../cli/package.json', import.meta.url));
    const require = createRequire(cli);
    const pkgJson = require.resolve('@corral/console/package.json');
    expect(pkgJson).toBe(fileURLToPath(new URL('../package.json', import.meta.url)));
    const cliPkg = JSON.parse(readFileSync(cli, 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(cliPkg.dependencies['@corral/console']).toBe('0.1.0');
  });
});
