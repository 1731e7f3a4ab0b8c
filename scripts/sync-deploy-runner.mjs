#!/usr/bin/env node
/**
 * Copies the runner bundle into deploy/runner/, where kustomize's configMapGenerator turns it into
 * the ConfigMap that stock Node images run the runner from (kustomize only reads files below the
 * kustomization). A test fails when the copy and the bundle differ; run `npm run sync:deploy`.
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
await build({
  entryPoints: [`${root}packages/runner/src/main.ts`],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: `${root}deploy/runner/runner.mjs`,
  logLevel: 'warning',
});
