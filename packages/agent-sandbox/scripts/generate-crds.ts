/**
 * Writes packages/agent-sandbox/crds/<profile>/<group>_<plural>.yaml from the Zod schemas.
 * Run: npx tsx packages/agent-sandbox/scripts/generate-crds.ts  (the drift test fails until you do).
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderCrdFiles } from './crd-files.js';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const files = renderCrdFiles();

// Remove stale files so a renamed or dropped kind does not linger.
const crdsDir = join(packageDir, 'crds');
for (const profile of readdirSafe(crdsDir)) {
  for (const file of readdirSafe(join(crdsDir, profile))) {
    if (!files.has(`crds/${profile}/${file}`)) rmSync(join(crdsDir, profile, file));
  }
}
for (const [relative, text] of files) {
  const target = join(packageDir, relative);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
}
console.log(`wrote ${files.size} CRD files under ${crdsDir}`);

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
