/**
 * Renders the generated CRDs as YAML files (path relative to packages/agent-sandbox → text).
 * Shared by generate-crds.ts (writes them) and the drift test (compares them). The options
 * produce what Prettier would (single quotes, no wrapping), so `prettier --check .` accepts them.
 */
import { stringify } from 'yaml';
import { CRD_PROFILES, agentSandboxCrds } from '../src/crds/crds.js';

const HEADER =
  '# Generated from the Zod schemas in packages/agent-sandbox/src/schemas by\n' +
  '# `npx tsx packages/agent-sandbox/scripts/generate-crds.ts`. Do not edit by hand.\n';

export function renderCrdFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const profile of CRD_PROFILES) {
    for (const crd of agentSandboxCrds(profile)) {
      const path = `crds/${profile}/${crd.spec.group}_${crd.spec.names.plural}.yaml`;
      const body = stringify(crd, {
        lineWidth: 0,
        aliasDuplicateObjects: false,
        singleQuote: true,
      });
      files.set(path, HEADER + body);
    }
  }
  return files;
}
