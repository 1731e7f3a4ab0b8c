#!/usr/bin/env node
/**
 * Copies the runner bundle into deploy/runner/, where kustomize's configMapGenerator turns it into
 * the ConfigMap that stock Node images run the runner from (kustomize only reads files below the
 * kustomization). A test fails when the copy and the bundle differ; run `npm run sync:deploy`.
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// Same working dir and entry as the runner package's `build` script, so dist/runner.mjs and this
// copy are byte-identical (esbuild's path comments are relative to the working dir).
await build({
  absWorkingDir: `${root}packages/runner`,
  entryPoints: ['src/main.ts'],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: `${root}deploy/runner/runner.mjs`,
  logLevel: 'warning',
});
