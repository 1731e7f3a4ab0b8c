import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TRANSLATED_AGENT_SANDBOX_CODES } from '../../../sdk/src/kubernetes/errors-map.js';
import { BY_CODE } from '../../src/error-handler.js';

const doc = readFileSync(new URL('../../../../docs/errors.md', import.meta.url), 'utf8');

/** The codes in the first column of the table under `heading`. */
function documented(heading: string): string[] {
  const section = doc.split(/^## /m).find((s) => s.startsWith(heading));
  expect(section, `docs/errors.md has a "## ${heading}" section`).toBeDefined();
  return [...section!.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]!);
}

describe('docs/errors.md', () => {
  it('lists every CorralErrorCode the CLI maps, and no other', () => {
    expect(documented('`CorralErrorCode`').sort()).toEqual(Object.keys(BY_CODE).sort());
  });

  it('lists every AgentSandboxErrorCode the Kubernetes provider translates, and no other', () => {
    expect(documented('`AgentSandboxErrorCode`').sort()).toEqual(
      [...TRANSLATED_AGENT_SANDBOX_CODES].sort(),
    );
  });

  it('gives each CorralErrorCode the exit code the CLI uses', () => {
    const rows = doc.matchAll(/^\| `([A-Z_]+)` \|.*\| (\d+) \|$/gm);
    const exits = Object.fromEntries([...rows].map((m) => [m[1]!, Number(m[2])]));
    for (const [code, mapping] of Object.entries(BY_CODE)) {
      expect({ code, exit: exits[code] }).toEqual({ code, exit: mapping.exitCode });
    }
  });
});
