// Builds the console into dist/web: one minified ES module (Preact included), one stylesheet and
// index.html. Run by `npm run build` (and so by `npm ci` through the root `prepare`).
import { build } from 'esbuild';
import { copyFile, mkdir, rm, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { readFile } from 'node:fs/promises';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = `${root}dist/web`;

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
await build({
  absWorkingDir: root,
  entryPoints: { app: 'ui/main.tsx' },
  bundle: true,
  format: 'esm',
  target: ['chrome111', 'firefox115', 'safari16.4'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  outdir: out,
  logLevel: 'warning',
});
await build({
  absWorkingDir: root,
  entryPoints: { app: 'ui/styles.css' },
  bundle: true,
  minify: true,
  outdir: out,
  logLevel: 'warning',
});
await copyFile(`${root}ui/index.html`, `${out}/index.html`);

if (process.env.CORRAL_CONSOLE_BUILD_REPORT) {
  for (const name of ['app.js', 'app.css', 'index.html']) {
    const bytes = (await stat(`${out}/${name}`)).size;
    const gz = gzipSync(await readFile(`${out}/${name}`)).length;
    console.log(`${name}: ${bytes} B, ${gz} B gzip`);
  }
}
